import { X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Dialog, Modal, ModalOverlay } from 'react-aria-components';
import { useApiMutation } from '../lib/mutations.ts';
import { useApi } from '../lib/queries.ts';
import { CardHistory } from './CardHistory.tsx';
import { Button, ErrorNotice, inputClass, RelativeTime, Skeleton } from './ui.tsx';

/** What a change to a card makes stale: the card, its board, the feeds, and its history in the audit trail. */
export const cardChangeQueries = ['cards.get', 'boards.get', 'activity.list', 'audit.cardHistory', 'audit.list', 'audit.cardAt', 'audit.compare'] as const;

/**
 * The card side panel, a real modal: it takes focus, keeps Tab inside, closes on Escape or a click beside it and
 * gives focus back to what opened it. Edit the card's details, read and add comments, read its history.
 */
export function CardPanel({ cardId, readOnly, onClose }: { cardId: string; readOnly: boolean; onClose(): void }) {
  const card = useApi('cards.get', { cardId });
  const members = useApi('members.list', {});
  const update = useApiMutation('cards.update', [...cardChangeQueries]);
  const comment = useApiMutation('comments.add', ['cards.get', 'boards.get', 'activity.list']);
  const [form, setForm] = useState({ title: '', description: '', assigneeId: '', dueDate: '' });
  const [body, setBody] = useState('');
  const c = card.data;
  useEffect(() => {
    if (c) setForm({ title: c.title, description: c.description, assigneeId: c.assignee?.id ?? '', dueDate: c.dueDate ?? '' });
  }, [c?.id, c?.updatedAt]); // eslint-disable-line react-hooks/exhaustive-deps
  const dirty = c && (form.title !== c.title || form.description !== c.description || form.assigneeId !== (c.assignee?.id ?? '') || form.dueDate !== (c.dueDate ?? ''));

  return (
    <ModalOverlay isOpen isDismissable onOpenChange={(open) => !open && onClose()} className="fixed inset-0 z-20 flex justify-end bg-slate-900/30">
      <Modal className="h-full w-full max-w-xl">
      <Dialog
        aria-label={c ? `Card ${c.title}` : 'Card'}
        className="flex h-full w-full flex-col overflow-auto bg-white shadow-2xl outline-none dark:bg-slate-950"
      >
        <div className="flex items-center justify-between border-b border-slate-200 px-5 py-3 dark:border-slate-800">
          <h2 className="font-semibold">Card</h2>
          <Button variant="ghost" aria-label="Close card" onClick={onClose}><X className="size-4" aria-hidden /></Button>
        </div>
        {card.isPending ? <Skeleton className="p-5" rows={5} /> : card.error ? <div className="p-5"><ErrorNotice error={card.error} /></div> : c && (
          <div className="space-y-6 p-5">
            {readOnly ? (
              // Read-only (an archived project or a review bundle): the card as text, no form to type into.
              <section aria-label="Details" className="space-y-3">
                <p className="text-base font-semibold">{c.title}</p>
                <dl className="grid grid-cols-[6.5rem_1fr] gap-x-2 gap-y-1 text-sm">
                  <dt className="font-medium text-slate-600 dark:text-slate-400">Assignee</dt><dd>{c.assignee?.name ?? 'Nobody'}</dd>
                  <dt className="font-medium text-slate-600 dark:text-slate-400">Due date</dt><dd>{c.dueDate ?? 'None'}</dd>
                  <dt className="font-medium text-slate-600 dark:text-slate-400">Description</dt><dd className="whitespace-pre-wrap">{c.description || 'None'}</dd>
                </dl>
                <p className="text-xs text-slate-600 dark:text-slate-400">Created by {c.creator.name} <RelativeTime iso={c.createdAt} /> · updated <RelativeTime iso={c.updatedAt} /> · read-only</p>
              </section>
            ) : (
            <form
              className="space-y-3"
              onSubmit={(e) => {
                e.preventDefault();
                update.mutate({
                  cardId,
                  title: form.title,
                  description: form.description,
                  assigneeId: form.assigneeId || null,
                  dueDate: form.dueDate || null,
                });
              }}
            >
              <label className="block text-sm font-medium">Title
                <input className={`${inputClass} mt-1 w-full text-base`} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={200} />
              </label>
              <label className="block text-sm font-medium">Description
                <textarea rows={5} className={`${inputClass} mt-1 w-full`} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
              </label>
              <div className="grid grid-cols-2 gap-3">
                <label className="block text-sm font-medium">Assignee
                  <select className={`${inputClass} mt-1 w-full`} value={form.assigneeId} onChange={(e) => setForm({ ...form, assigneeId: e.target.value })}>
                    <option value="">Nobody</option>
                    {members.data?.items.map((m) => <option key={m.user.id} value={m.user.id}>{m.user.name}</option>)}
                  </select>
                </label>
                <label className="block text-sm font-medium">Due date
                  <input type="date" className={`${inputClass} mt-1 w-full`} value={form.dueDate} onChange={(e) => setForm({ ...form, dueDate: e.target.value })} />
                </label>
              </div>
              <p className="text-xs text-slate-600 dark:text-slate-400">Created by {c.creator.name} <RelativeTime iso={c.createdAt} /> · updated <RelativeTime iso={c.updatedAt} /></p>
              {update.error && <ErrorNotice error={update.error} title="The card was not saved" />}
              <Button type="submit" variant="primary" disabled={!dirty || update.isPending}>{update.isPending ? 'Saving…' : 'Save changes'}</Button>
            </form>
            )}

            <section aria-label="Comments" className="space-y-3">
              <h3 className="text-sm font-semibold">Comments ({c.comments.length})</h3>
              <ul className="space-y-2">
                {c.comments.map((cm) => (
                  <li key={cm.id} className="rounded-md bg-slate-50 p-2.5 text-sm dark:bg-slate-900">
                    <p className="text-xs text-slate-600 dark:text-slate-400"><span className="font-medium text-slate-700 dark:text-slate-300">{cm.author.name}</span> · <RelativeTime iso={cm.createdAt} /></p>
                    <p className="mt-1 whitespace-pre-wrap">{cm.body}</p>
                  </li>
                ))}
              </ul>
              {!readOnly && (
                <form
                  className="space-y-2"
                  onSubmit={(e) => {
                    e.preventDefault();
                    comment.mutate({ cardId, body }, { onSuccess: () => setBody('') });
                  }}
                >
                  <label className="sr-only" htmlFor="new-comment">Add a comment</label>
                  <textarea id="new-comment" rows={3} placeholder="Write a comment…" className={`${inputClass} w-full`} value={body} onChange={(e) => setBody(e.target.value)} />
                  {comment.error && <ErrorNotice error={comment.error} title="The comment was not added" />}
                  <Button type="submit" disabled={!body.trim() || comment.isPending}>Comment</Button>
                </form>
              )}
            </section>

            <section aria-label="History" className="space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800">
              <h3 className="text-sm font-semibold">History</h3>
              <CardHistory cardId={cardId} readOnly={readOnly} />
            </section>
          </div>
        )}
      </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
