// A board: its columns and cards, moved by pointer or keyboard (pick up with Space on a card's handle, one column
// per ←/→, one place per ↑/↓, Space to drop, Escape to cancel) or with a card's Move… menu; cards land where they
// are dropped, also within their column. The board's live activity sits beside it and can be collapsed.
import {
  closestCorners, DndContext, DragOverlay, KeyboardSensor, MeasuringStrategy, PointerSensor, useDroppable, useSensor, useSensors,
  type DragEndEvent, type DragOverEvent, type DragStartEvent,
} from '@dnd-kit/core';
import { arrayMove, SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useQueryClient } from '@tanstack/react-query';
import { Calendar, ChevronDown, GripVertical, MessageSquare, PanelRightClose, PanelRightOpen, Plus } from 'lucide-react';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { Button as AriaButton, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import type { Output } from '../../preload/contract.ts';
import { ActivityRow } from '../components/ActivityRow.tsx';
import { CardPanel, cardChangeQueries } from '../components/CardPanel.tsx';
import { Button, ErrorNotice, inputClass, PageHeader, Skeleton } from '../components/ui.tsx';
import { boardCoordinates, columnOf, type BoardLayout, type Slot } from '../lib/boardKeyboard.ts';
import { useApiMutation } from '../lib/mutations.ts';
import { keyOf, useApi, useInvalidateOn } from '../lib/queries.ts';
import { href, useSearchParams } from '../lib/router.tsx';
import { useWorkspace } from '../lib/workspace.ts';
import { usePermissions } from '../lib/permissions.tsx';

type Board = Output<'boards.get'>;
type Card = Board['columns'][number]['cards'][number];

const layoutOf = (b: Board): BoardLayout => ({
  columns: b.columns.map((c) => c.id),
  cards: Object.fromEntries(b.columns.map((c) => [c.id, c.cards.map((x) => x.id)])),
});

/** The board with `cardId` placed at `index` of `toColumnId` (what the server will do with the move). */
function placed(board: Board, card: Card, toColumnId: string, index: number): Board {
  const without = board.columns.map((c) => ({ ...c, cards: c.cards.filter((x) => x.id !== card.id) }));
  return {
    ...board,
    columns: without.map((c) => {
      if (c.id !== toColumnId) return c;
      const cards = [...c.cards];
      cards.splice(Math.min(index, cards.length), 0, { ...card, columnId: toColumnId });
      return { ...c, cards: cards.map((x, i) => ({ ...x, position: i })) };
    }),
  };
}

function useMoveCard(boardId: string) {
  const qc = useQueryClient();
  const key = keyOf('boards.get', { boardId });
  const move = useApiMutation('cards.move', ['activity.list', 'cards.get', 'audit.cardHistory', 'audit.list']);
  return {
    error: move.error,
    reset: move.reset,
    /** Move `card` to `index` of `toColumnId` (the end when omitted). */
    move(card: Card, toColumnId: string, index?: number) {
      const previous = qc.getQueryData<Board>(key);
      const target = previous?.columns.find((c) => c.id === toColumnId);
      const position = index ?? (target ? target.cards.filter((x) => x.id !== card.id).length : 0);
      const from = previous?.columns.find((c) => c.id === card.columnId)?.cards.findIndex((x) => x.id === card.id);
      if (card.columnId === toColumnId && from === position) return;
      // Optimistic: show the card where it was dropped at once; roll back if the server refuses.
      if (previous) qc.setQueryData<Board>(key, placed(previous, card, toColumnId, position));
      move.mutate(
        { cardId: card.id, toColumnId, position },
        {
          onError: () => previous && qc.setQueryData(key, previous),
          onSettled: () => void qc.invalidateQueries({ queryKey: key }),
        },
      );
    },
  };
}

/** Move… : a menu of the other columns; it acts only on an explicit choice (Enter or a click on an item). */
function MoveMenu({ card, columns, onMove }: { card: Card; columns: Board['columns']; onMove(to: string): void }) {
  const others = columns.filter((c) => c.id !== card.columnId);
  return (
    <MenuTrigger>
      <AriaButton
        aria-label={`Move ${card.title} to…`}
        className="ml-auto inline-flex items-center gap-0.5 rounded border border-transparent px-1 py-0.5 text-xs text-slate-600 hover:border-slate-300 dark:text-slate-400 dark:hover:border-slate-700"
      >
        Move… <ChevronDown className="size-3" aria-hidden />
      </AriaButton>
      <Popover placement="bottom end" className="min-w-40 rounded-md border border-slate-200 bg-white p-1 shadow-lg outline-none dark:border-slate-700 dark:bg-slate-900">
        <Menu aria-label={`Move ${card.title} to`} className="outline-none" onAction={(key) => onMove(String(key))}>
          {others.map((c) => (
            <MenuItem
              key={c.id}
              id={c.id}
              className="cursor-default rounded px-2 py-1.5 text-sm text-slate-800 outline-none data-[focused]:bg-indigo-100 data-[focused]:text-indigo-950 dark:text-slate-100 dark:data-[focused]:bg-indigo-900 dark:data-[focused]:text-white"
            >
              {c.name}
            </MenuItem>
          ))}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}

function CardBody({ card, children }: { card: Card; children?: ReactNode }) {
  return (
    <div className="mt-1.5 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
      {card.assignee && <span className="rounded-full bg-slate-100 px-1.5 py-0.5 dark:bg-slate-800">{card.assignee.name}</span>}
      {card.dueDate && <span className="flex items-center gap-0.5"><Calendar className="size-3" aria-hidden />{card.dueDate}</span>}
      {card.commentCount > 0 && (
        <span className="flex items-center gap-0.5"><MessageSquare className="size-3" aria-hidden /><span className="sr-only">Comments:</span>{card.commentCount}</span>
      )}
      {children}
    </div>
  );
}

const tileClass = 'rounded-md border border-slate-200 bg-white p-2.5 text-sm shadow-xs dark:border-slate-700 dark:bg-slate-900';

function CardTile({ card, columns, readOnly, onMove, onOpen }: { card: Card; columns: Board['columns']; readOnly: boolean; onMove(to: string): void; onOpen(): void }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: card.id, disabled: readOnly, data: { card } });
  const style = { transform: CSS.Translate.toString(transform), transition };
  return (
    <li
      ref={setNodeRef}
      style={style}
      data-testid="card"
      data-card-title={card.title}
      data-card-id={card.id}
      // Pointer drags start anywhere on the card; keyboard pick-up only on its handle (Enter on the title opens).
      {...(readOnly ? {} : listeners)}
      className={`group ${tileClass} ${readOnly ? '' : 'cursor-grab'} ${isDragging ? 'opacity-40' : ''}`}
    >
      <div className="flex items-start gap-1">
        {!readOnly && (
          <button
            type="button"
            ref={setActivatorNodeRef}
            {...attributes}
            aria-roledescription="draggable card"
            aria-label={`Drag ${card.title}`}
            className="-ml-1 mt-0.5 shrink-0 cursor-grab rounded p-0.5 text-slate-500 hover:bg-slate-100 hover:text-slate-700 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-200"
          >
            <GripVertical className="size-3.5" aria-hidden />
          </button>
        )}
        <button type="button" onClick={onOpen} className="text-left font-medium hover:underline">{card.title}</button>
      </div>
      <CardBody card={card}>
        {!readOnly && <MoveMenu card={card} columns={columns} onMove={onMove} />}
      </CardBody>
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

function ColumnView({ column, cards, columns, boardId, readOnly, onMove, onOpen }: {
  column: Board['columns'][number]; cards: Card[]; columns: Board['columns']; boardId: string; readOnly: boolean; onMove(card: Card, to: string): void; onOpen(id: string): void;
}) {
  const { isOver, setNodeRef } = useDroppable({ id: column.id, disabled: readOnly });
  return (
    <section
      ref={setNodeRef}
      aria-label={`Column ${column.name}`}
      className={`flex max-h-full w-72 shrink-0 flex-col rounded-lg bg-slate-100 p-2 dark:bg-slate-900/60 ${isOver ? 'ring-2 ring-indigo-400' : ''}`}
    >
      <h2 className="flex items-center justify-between px-1 pb-2 text-sm font-semibold">
        {column.name}<span className="text-xs font-normal text-slate-600 dark:text-slate-400">{cards.length}<span className="sr-only"> cards</span></span>
      </h2>
      <SortableContext id={column.id} items={cards.map((c) => c.id)} strategy={verticalListSortingStrategy}>
        <ul className="flex min-h-12 flex-col gap-2 overflow-y-auto p-0.5" aria-label={`Cards in ${column.name}`}>
          {cards.map((card) => (
            <CardTile key={card.id} card={card} columns={columns} readOnly={readOnly} onMove={(to) => onMove(card, to)} onOpen={() => onOpen(card.id)} />
          ))}
        </ul>
      </SortableContext>
      {!readOnly && <div className="pt-2"><AddCard boardId={boardId} columnId={column.id} /></div>}
    </section>
  );
}

const paneKey = 'chronicle.boardActivity';

function BoardActivity({ boardId, open, onToggle }: { boardId: string; open: boolean; onToggle(): void }) {
  const feed = useApi('activity.list', { boardId, limit: 25 }, { enabled: open });
  if (!open) {
    return (
      <div className="shrink-0 border-l border-slate-200 p-2 dark:border-slate-800">
        <Button variant="ghost" aria-expanded={false} aria-controls="board-activity" aria-label="Show board activity" onClick={onToggle} className="!px-2">
          <PanelRightOpen className="size-4" aria-hidden />
        </Button>
      </div>
    );
  }
  return (
    <aside id="board-activity" aria-label="Board activity" className="w-80 shrink-0 overflow-auto border-l border-slate-200 dark:border-slate-800">
      <div className="flex items-center justify-between gap-2 px-6 pt-4 pb-2">
        <h2 className="text-sm font-semibold">Board activity</h2>
        <span className="flex items-center gap-1">
          <a className="text-xs text-indigo-700 hover:underline dark:text-indigo-300" href={href('/', { boardId })}>Full timeline</a>
          <Button variant="ghost" aria-expanded aria-controls="board-activity" aria-label="Hide board activity" onClick={onToggle} className="!px-1.5 !py-1">
            <PanelRightClose className="size-4" aria-hidden />
          </Button>
        </span>
      </div>
      {feed.isPending ? <Skeleton className="px-6" rows={5} /> : feed.data?.items.map((item) => <ActivityRow key={item.id} item={item} />)}
    </aside>
  );
}

export function BoardPage({ params }: { params: Record<string, string> }) {
  const boardId = params.boardId;
  const board = useApi('boards.get', { boardId });
  const workspace = useWorkspace();
  const perms = usePermissions();
  const [search, setSearch] = useSearchParams();
  const openCard = search.get('card');
  const mover = useMoveCard(boardId);
  // Any change in the account (another window's move, an archive) refreshes what this board shows.
  useInvalidateOn('activity.created', ['boards.get', 'activity.list', ...cardChangeQueries]);
  // A reorder within a column records no event; it is announced on its own.
  useInvalidateOn('board.changed', ['boards.get']);
  const [paneOpen, setPaneOpen] = useState(() => localStorage.getItem(paneKey) !== 'closed');
  const togglePane = () => setPaneOpen((o) => { localStorage.setItem(paneKey, o ? 'closed' : 'open'); return !o; });

  // While a card is dragged, the layout follows it between columns; otherwise it is the server's.
  const [dragLayout, setDragLayout] = useState<BoardLayout | null>(null);
  const [active, setActive] = useState<Card | null>(null);
  const serverLayout = useMemo(() => (board.data ? layoutOf(board.data) : { columns: [], cards: {} }), [board.data]);
  const layout = dragLayout ?? serverLayout;
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  // A keyboard drag's place: moved by the arrow keys (one column or one card per press), dropped where it is.
  const slotRef = useRef<Slot | null>(null);
  const coordinateGetter = useMemo(() => boardCoordinates(layoutRef, slotRef), []);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    // Space picks up and drops; Enter only drops (on the handle, Enter is not a pick-up: the title opens the card).
    useSensor(KeyboardSensor, { coordinateGetter, keyboardCodes: { start: ['Space'], cancel: ['Escape'], end: ['Space', 'Enter'] } }),
  );

  if (board.isPending) return <Skeleton className="p-6" rows={6} />;
  const viewerOnly = perms.known && !perms.can('cards.move');
  if (board.error) return <div className="p-6"><ErrorNotice error={board.error} title="This board could not be opened" /></div>;
  const b = board.data;
  const archived = b.project.archived;
  // A viewer reads the board like an archived one: no Move…, no drag, no new cards (rpc.ts would refuse them).
  const readOnly = archived || workspace.readOnly || viewerOnly;
  const cardsById = new Map(b.columns.flatMap((c) => c.cards).map((c) => [c.id, c]));
  const columnName = (id: string | undefined) => b.columns.find((c) => c.id === id)?.name ?? 'a column';
  /** Where the dragged card would land now: the keyboard's slot, else the place the pointer shows. */
  const landing = (id: string, overId: string | null): Slot | null => {
    if (slotRef.current) return slotRef.current;
    const l = layoutRef.current;
    const col = columnOf(l, id);
    if (!col) return null;
    const list = l.cards[col];
    const from = list.indexOf(id);
    const overIndex = overId ? list.indexOf(overId) : -1;
    // Within the column the list is reordered at the drop: the card takes the place of the card it is over.
    return { columnId: col, index: overIndex >= 0 ? arrayMove(list, from, overIndex).indexOf(id) : from };
  };
  const where = (id: string, overId: string | null) => {
    const slot = landing(id, overId);
    return slot ? `${columnName(slot.columnId)}, position ${slot.index + 1}` : 'nowhere';
  };

  const onDragStart = (e: DragStartEvent) => {
    mover.reset();
    const id = String(e.active.id);
    setActive(cardsById.get(id) ?? null);
    setDragLayout(serverLayout);
    const col = columnOf(serverLayout, id);
    slotRef.current = e.activatorEvent instanceof KeyboardEvent && col ? { columnId: col, index: serverLayout.cards[col].indexOf(id) } : null;
  };
  // Across columns the card joins the other column's list at once (so it shows, and is announced, where it goes).
  const onDragOver = ({ active: a, over }: DragOverEvent) => {
    if (!over) return;
    const id = String(a.id);
    const slot = slotRef.current;
    setDragLayout((cur) => {
      const l = cur ?? serverLayout;
      const from = columnOf(l, id);
      const to = slot ? slot.columnId : columnOf(l, String(over.id));
      if (!from || !to || from === to) return cur;
      const target = l.cards[to];
      let index: number;
      if (slot) index = slot.index;
      else {
        const overIndex = target.indexOf(String(over.id));
        const below = over.id !== to && a.rect.current.translated && a.rect.current.translated.top > over.rect.top + over.rect.height / 2;
        index = overIndex < 0 ? target.length : overIndex + (below ? 1 : 0);
      }
      const next = [...target];
      next.splice(Math.min(index, next.length), 0, id);
      return { ...l, cards: { ...l.cards, [from]: l.cards[from].filter((x) => x !== id), [to]: next } };
    });
  };
  const onDragEnd = ({ active: a, over }: DragEndEvent) => {
    const id = String(a.id);
    const card = cardsById.get(id);
    const slot = over || slotRef.current ? landing(id, over ? String(over.id) : null) : null;
    setActive(null);
    setDragLayout(null);
    slotRef.current = null;
    if (card && slot) mover.move(card, slot.columnId, slot.index);
  };
  const onDragCancel = () => {
    setActive(null);
    setDragLayout(null);
    slotRef.current = null;
  };

  return (
    <div className="flex h-full flex-col">
      <PageHeader
        title={b.name}
        description={<><a className="hover:underline" href={href('/boards')}>{b.project.name}</a>{archived && ' · archived (read-only)'}{!archived && workspace.readOnly && ' · review bundle (read-only)'}</>}
      >
        <a className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-800" href={href('/', { boardId })}>Timeline</a>
      </PageHeader>
      {archived && (
        <p role="status" className="border-b border-amber-200 bg-amber-50 px-6 py-2 text-sm text-amber-950 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
          This project is archived: its boards are read-only. Cards cannot be added, moved or edited.
        </p>
      )}
      {!archived && !workspace.readOnly && viewerOnly && (
        <p role="status" data-testid="not-allowed" className="border-b border-slate-200 bg-slate-50 px-6 py-2 text-sm text-slate-800 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-200">
          {perms.why('add, move or edit cards', 'member')}
        </p>
      )}
      {mover.error && <div className="px-6 pt-3"><ErrorNotice error={mover.error} title="The card could not be moved" /></div>}
      <div className="flex min-h-0 flex-1">
        <DndContext
          sensors={sensors}
          collisionDetection={closestCorners}
          // Columns change as the card moves between them: measure the places again while dragging.
          measuring={{ droppable: { strategy: MeasuringStrategy.Always } }}
          onDragStart={onDragStart}
          onDragOver={onDragOver}
          onDragEnd={onDragEnd}
          onDragCancel={onDragCancel}
          accessibility={{
            screenReaderInstructions: {
              draggable: 'To pick up a card, press Space. While dragging, the left and right arrow keys move it one column, the up and down arrow keys one place. Press Space again to drop it, or Escape to cancel.',
            },
            announcements: {
              onDragStart: ({ active: a }) => `Picked up ${cardsById.get(String(a.id))?.title} in ${where(String(a.id), null)}.`,
              onDragOver: ({ active: a, over }) => `${cardsById.get(String(a.id))?.title}: ${where(String(a.id), over ? String(over.id) : null)}.`,
              onDragEnd: ({ active: a, over }) =>
                over || slotRef.current ? `Dropped ${cardsById.get(String(a.id))?.title} in ${where(String(a.id), over ? String(over.id) : null)}.` : 'Dropped where it was.',
              onDragCancel: ({ active: a }) => `Move of ${cardsById.get(String(a.id))?.title} cancelled.`,
            },
          }}
        >
          <div className="flex min-w-0 flex-1 items-start gap-3 overflow-x-auto p-6" data-testid="board-columns">
            {b.columns.map((c) => (
              <ColumnView
                key={c.id}
                column={c}
                cards={(layout.cards[c.id] ?? []).map((id) => cardsById.get(id)).filter((x): x is Card => Boolean(x))}
                columns={b.columns}
                boardId={boardId}
                readOnly={readOnly}
                onMove={(card, to) => mover.move(card, to)}
                onOpen={(id) => setSearch({ card: id })}
              />
            ))}
          </div>
          {/* The dragged card follows the pointer above every column (its own column would clip it). */}
          <DragOverlay dropAnimation={null}>
            {active ? (
              <div className={`${tileClass} w-68 cursor-grabbing shadow-lg ring-2 ring-indigo-400`} data-testid="drag-overlay">
                <p className="font-medium">{active.title}</p>
                <CardBody card={active} />
              </div>
            ) : null}
          </DragOverlay>
        </DndContext>
        <BoardActivity boardId={boardId} open={paneOpen} onToggle={togglePane} />
      </div>
      {openCard && <CardPanel cardId={openCard} readOnly={readOnly} onClose={() => setSearch({ card: null })} />}
    </div>
  );
}
