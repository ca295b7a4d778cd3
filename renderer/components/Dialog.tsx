// Modals on React Aria Components: focus moves in and stays in (Tab cycles inside), Escape and a click outside
// close, focus goes back to what opened it, and the rest of the page is hidden from assistive technology.
// Modals nest (a confirmation inside the card panel).
import type { ReactNode } from 'react';
import { Dialog as AriaDialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { Button } from './ui.tsx';

export function Dialog({ open, onClose, title, children, wide = false }: { open: boolean; onClose(): void; title: string; children: ReactNode; wide?: boolean }) {
  return (
    <ModalOverlay
      isOpen={open}
      onOpenChange={(o) => !o && onClose()}
      isDismissable
      className="fixed inset-0 z-40 flex items-center justify-center overflow-y-auto bg-slate-900/40 p-4"
    >
      <Modal className={`w-full ${wide ? 'max-w-3xl' : 'max-w-md'} rounded-xl border border-slate-200 bg-white text-slate-900 shadow-xl dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100`}>
        <AriaDialog className="p-5 outline-none">
          <Heading slot="title" className="mb-3 text-lg font-semibold">{title}</Heading>
          {children}
        </AriaDialog>
      </Modal>
    </ModalOverlay>
  );
}

/**
 * "Are you sure?" for destructive or outward actions: says what will happen, names the action on its button, and
 * acts only on that button.
 */
export function ConfirmDialog({
  open, onClose, title, children, confirmLabel, onConfirm, busy = false, danger = false, error, cancelLabel = 'Cancel',
}: {
  cancelLabel?: string;
  open: boolean;
  onClose(): void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  busy?: boolean;
  danger?: boolean;
  error?: ReactNode;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={title}>
      <div className="space-y-4 text-sm">
        <div className="space-y-2 text-slate-700 dark:text-slate-300">{children}</div>
        {error}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>{cancelLabel}</Button>
          <Button variant={danger ? 'danger' : 'primary'} disabled={busy} onClick={onConfirm}>{confirmLabel}</Button>
        </div>
      </div>
    </Dialog>
  );
}
