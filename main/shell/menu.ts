import { Menu, type MenuItemConstructorOptions } from 'electron';

/** The application menu. Areas add their File items here (e.g. Open review bundle). */
export function buildMenu(actions: { newWindow(): void }): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [{ label: 'New Window', accelerator: 'CmdOrCtrl+N', click: () => actions.newWindow() }, { type: 'separator' }, { role: 'quit' }],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
