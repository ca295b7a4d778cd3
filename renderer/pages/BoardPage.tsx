import { DndContext, KeyboardSensor, PointerSensor, useDraggable, useDroppable, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { useQueryClient } from '@tanstack/react-query';
import { Calendar, MessageSquare, Plus } from 'lucide-react';
import { useState } from 'react';
import type { Output } from '../../preload/contract.ts';
import { ActivityRow } from '../components/ActivityRow.tsx';
import { CardPanel } from '../components/CardPanel.tsx';
import { Button, ErrorNotice, inputClass, PageHeader, Skeleton } from '../components/ui.tsx';
import { useApiMutation } from '../lib/mutations.ts';
import { keyOf, useApi, useInvalidateOn } from '../lib/queries.ts';
import { href, useSearchParams } from '../lib/router.tsx';

type Board = Output<'boards.get'>;
type Card = Board['columns'][number]['cards'][number];

function useMoveCard(boardId: string) {
  const qc = useQueryClient();
  const key = keyOf('boards.get', { boardId });
  const move = useApiMutation('cards.move', ['activity.list', 'cards.get']);
  return {
    error: move.error,
    reset: move.reset,
    move(card: Card, toColumnId: string) {
      if (card.columnId === toColumnId) return;
      const previous = qc.getQueryData<Board>(key);
      // Optimistic: show the card in its new column at once; roll back if the server refuses.
      if (previous) {
        qc.setQueryData<Board>(key, {
          ...previous,
          columns: previous.columns.map((c) =>
            c.id === card.columnId
              ? { ...c, cards: c.cards.filter((x) => x.id !== card.id) }
              : c.id === toColumnId
                ? { ...c, cards: [...c.cards, { ...card, columnId: toColumnId }] }
                : c,
          ),
        });
      }
      move.mutate(
        { cardId: card.id, toColumnId },
        {
          onError: () => previous && qc.setQueryData(key, previous),
          onSettled: () => qc.invalidateQueries({ queryKey: key }),
        },
      );
    },
  };
}

function CardTile({ card, columns, readOnly, onMove, onOpen }: { card: Card; columns: Board['columns']; readOnly: boolean; onMove(to: string): void; onOpen(): void }) {
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: card.id, disabled: readOnly, data: { card }, attributes: { role: 'group', roleDescription: 'draggable card' } });
  const style = transform ? { transform: `translate3d(${transform.x}px, ${transform.y}px, 0)` } : undefined;
  return (
    <li
      ref={setNodeRef}
      style={style}
      data-testid="card"
      data-card-title={card.title}
      {...listeners}
      {...attributes}
      aria-label={`${card.title}. Press space to pick up, arrow keys to move, space to drop.`}
      className={`group rounded-md select-none ${readOnly ? '' : 'cursor-grab'} border border-slate-200 bg-white p-2.5 text-sm shadow-xs dark:border-slate-700 dark:bg-slate-900 ${isDragging ? 'z-10 opacity-80 shadow-lg ring-2 ring-indigo-400' : ''}`}
    >
      <div>
        <button type="button" onClick={onOpen} className="text-left font-medium hover:underline">{card.title}</button>
        <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
          {card.assignee && <span className="rounded-full bg-slate-100 px-1.5 py-0.5 dark:bg-slate-800">{card.assignee.name}</span>}
          {card.dueDate && <span className="flex items-center gap-0.5"><Calendar className="size-3" aria-hidden />{card.dueDate}</span>}
          {card.commentCount > 0 && <span className="flex items-center gap-0.5"><MessageSquare className="size-3" aria-hidden />{card.commentCount}</span>}
          {!readOnly && (
            <select
              aria-label={`Move ${card.title} to`}
              title="Move to another column"
              className="ml-auto max-w-24 rounded border border-transparent bg-transparent py-0 text-xs text-slate-500 hover:border-slate-300 focus:border-slate-300 dark:hover:border-slate-700"
              value=""
              onPointerDown={(e) => e.stopPropagation()}
              onKeyDown={(e) => e.stopPropagation()}
              onChange={(e) => e.target.value && onMove(e.target.value)}
            >
              <option value="">Move…</option>
              {columns.filter((c) => c.id !== card.columnId).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          )}
        </div>
      </div>
    </li>
  );
}

function AddCard({ boardId, columnId }: { boardId: string; columnId: string }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const create = useApiMutation('cards.create', ['boards.get', 'activity.list', 'boards.list']);
  if (!open) return <Button variant="ghost" className="w-full justify-center" onClick={() => setOpen(true)}><Plus className="size-4" aria-hidden /> Add a card</Button>;
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ boardId, columnId, title }, { onSuccess: () => { setTitle(''); setOpen(false); } });
      }}
    >
      <input autoFocus aria-label="Card title" placeholder="Card title" className={`${inputClass} w-full`} value={title} onChange={(e) => setTitle(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)} />
      {create.error && <ErrorNotice error={create.error} />}
      <div className="flex gap-2"><Button type="submit" variant="primary" disabled={create.isPending}>Add</Button><Button onClick={() => setOpen(false)}>Cancel</Button></div>
    </form>
  );
}

function ColumnView({ column, columns, boardId, readOnly, onMove, onOpen }: { column: Board['columns'][number]; columns: Board['columns']; boardId: string; readOnly: boolean; onMove(card: Card, to: string): void; onOpen(id: string): void }) {
  const { isOver, setNodeRef } = useDroppable({ id: column.id, disabled: readOnly });
  return (
    <section
      ref={setNodeRef}
      aria-label={`Column ${column.name}`}
      className={`flex max-h-full w-72 shrink-0 flex-col rounded-lg bg-slate-100 p-2 dark:bg-slate-900/60 ${isOver ? 'ring-2 ring-indigo-400' : ''}`}
    >
      <h2 className="flex items-center justify-between px-1 pb-2 text-sm font-semibold">
        {column.name}<span className="text-xs font-normal text-slate-500">{column.cards.length}</span>
      </h2>
      <ul className="flex min-h-12 flex-col gap-2 overflow-y-auto p-0.5">
        {column.cards.map((card) => (
          <CardTile key={card.id} card={card} columns={columns} readOnly={readOnly} onMove={(to) => onMove(card, to)} onOpen={() => onOpen(card.id)} />
        ))}
      </ul>
      {!readOnly && <div className="pt-2"><AddCard boardId={boardId} columnId={column.id} /></div>}
    </section>
  );
}

function BoardActivity({ boardId }: { boardId: string }) {
  const feed = useApi('activity.list', { boardId, limit: 25 });
  return (
    <aside aria-label="Board activity" className="hidden w-80 shrink-0 overflow-auto border-l border-slate-200 xl:block dark:border-slate-800">
      <div className="flex items-center justify-between px-6 pt-4 pb-2">
        <h2 className="text-sm font-semibold">Board activity</h2>
        <a className="text-xs text-indigo-600 hover:underline dark:text-indigo-400" href={href('/', { boardId })}>Full timeline</a>
      </div>
      {feed.isPending ? <Skeleton className="px-6" rows={5} /> : feed.data?.items.map((item) => <ActivityRow key={item.id} item={item} />)}
    </aside>
  );
}

export function BoardPage({ params }: { params: Record<string, string> }) {
  const boardId = params.boardId;
  const board = useApi('boards.get', { boardId });
  const [search, setSearch] = useSearchParams();
  const openCard = search.get('card');
  const mover = useMoveCard(boardId);
  useInvalidateOn('activity.created', ['boards.get', 'activity.list', 'cards.get']);
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 6 } }), useSensor(KeyboardSensor));

  if (board.isPending) return <Skeleton className="p-6" rows={6} />;
  if (board.error) return <div className="p-6"><ErrorNotice error={board.error} title="This board could not be opened" /></div>;
  const b = board.data;
  const readOnly = b.project.archived;
  const onDragEnd = (e: DragEndEvent) => {
    const card = e.active.data.current?.card as Card | undefined;
    if (card && e.over) mover.move(card, String(e.over.id));
  };
  return (
    <div className="flex h-full flex-col">
      <PageHeader title={b.name} description={<><a className="hover:underline" href={href('/boards')}>{b.project.name}</a>{readOnly && ' · archived (read-only)'}</>}>
        <a className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800" href={href('/', { boardId })}>Timeline</a>
      </PageHeader>
      {mover.error && <div className="px-6 pt-3"><ErrorNotice error={mover.error} title="The card could not be moved" /></div>}
      <div className="flex min-h-0 flex-1">
        <DndContext sensors={sensors} onDragEnd={onDragEnd} accessibility={{ announcements: {
          onDragStart: ({ active }) => `Picked up ${(active.data.current?.card as Card)?.title}.`,
          onDragOver: ({ over }) => (over ? `Over column ${b.columns.find((c) => c.id === over.id)?.name}.` : 'Not over a column.'),
          onDragEnd: ({ over }) => (over ? `Dropped in ${b.columns.find((c) => c.id === over.id)?.name}.` : 'Dropped.'),
          onDragCancel: () => 'Move cancelled.',
        } }}>
          <div className="flex min-w-0 flex-1 items-start gap-3 overflow-x-auto p-6">
            {b.columns.map((c) => (
              <ColumnView key={c.id} column={c} columns={b.columns} boardId={boardId} readOnly={readOnly} onMove={mover.move} onOpen={(id) => setSearch({ card: id })} />
            ))}
          </div>
        </DndContext>
        <BoardActivity boardId={boardId} />
      </div>
      {openCard && <CardPanel cardId={openCard} readOnly={readOnly} onClose={() => setSearch({ card: null })} />}
    </div>
  );
}
