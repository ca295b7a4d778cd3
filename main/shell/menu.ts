import { Menu, type MenuItemConstructorOptions } from 'electron';

/** The application menu. Areas add their File items here (e.g. Open review bundle). */
export function buildMenu(actions: { newWindow(): void; openBundle(): void }): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Window', accelerator: 'CmdOrCtrl+N', click: () => actions.newWindow() },
        { label: 'Open Review Bundle…', accelerator: 'CmdOrCtrl+O', click: () => actions.openBundle() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
