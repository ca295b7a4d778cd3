// Keyboard moves on a board: one arrow press moves the picked-up card one column left or right, or one place up or
// down in its column (dnd-kit's default getter moves 25 px per press). The getter returns where the dragged card's
// top-left corner goes: onto the slot it should take, so collision detection then reports that slot as `over`.
import type { KeyboardCoordinateGetter } from '@dnd-kit/core';

/** The board as the drag sees it right now: column ids in order, and each column's card ids in order. */
export interface BoardLayout {
  columns: string[];
  cards: Record<string, string[]>;
}

export function columnOf(layout: BoardLayout, id: string): string | undefined {
  if (layout.cards[id]) return id;
  return layout.columns.find((c) => layout.cards[c]?.includes(id));
}

export interface Slot {
  columnId: string;
  index: number;
}

/**
 * Where one arrow press takes a card from `slot` (its place during this drag): `{ columnId, index }`, the index it
 * will have in that column's list, or null when the press leads nowhere (ArrowLeft in the first column, ArrowUp at
 * the top). Left/right keep the card's place in the list where the target column has one, else the end.
 */
export function keyboardStep(layout: BoardLayout, cardId: string, slot: Slot, key: string): Slot | null {
  const col = layout.columns.indexOf(slot.columnId);
  if (col < 0) return null;
  if (key === 'ArrowRight' || key === 'ArrowLeft') {
    const next = layout.columns[col + (key === 'ArrowRight' ? 1 : -1)];
    if (!next) return null;
    const others = (layout.cards[next] ?? []).filter((id) => id !== cardId);
    return { columnId: next, index: Math.min(slot.index, others.length) };
  }
  if (key === 'ArrowDown' || key === 'ArrowUp') {
    const list = layout.cards[slot.columnId] ?? [];
    const to = slot.index + (key === 'ArrowDown' ? 1 : -1);
    if (to < 0 || to >= list.length) return null;
    return { columnId: slot.columnId, index: to };
  }
  return null;
}

/**
 * A dnd-kit keyboard coordinate getter over the live layout and the card's slot (refs the board keeps current:
 * the layout follows the card between columns during the drag; the slot is where the keys have taken it). It
 * moves the slot and returns the top-left corner of the place the card now takes, so that collision detection
 * reports that place as `over`.
 */
export function boardCoordinates(layoutRef: { current: BoardLayout }, slotRef: { current: Slot | null }): KeyboardCoordinateGetter {
  return (event, { context }) => {
    const { active, collisionRect, droppableRects } = context;
    if (!['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown'].includes(event.code)) return undefined;
    event.preventDefault();
    if (!active || !collisionRect || !slotRef.current) return undefined;
    const layout = layoutRef.current;
    const id = String(active.id);
    const target = keyboardStep(layout, id, slotRef.current, event.code);
    if (!target) return undefined;
    slotRef.current = target;
    const same = columnOf(layout, id) === target.columnId;
    const list = (layout.cards[target.columnId] ?? []).filter((x) => same || x !== id);
    const slotCard = list[target.index];
    const rect = slotCard ? droppableRects.get(slotCard) : null;
    if (rect) return { x: rect.left, y: rect.top };
    const column = droppableRects.get(target.columnId);
    if (!column) return undefined;
    const last = list.length ? droppableRects.get(list[list.length - 1]) : null;
    // Below the column's last card (or at its top when empty), horizontally centred in the column.
    return { x: column.left + (column.width - collisionRect.width) / 2, y: last ? last.top + last.height + 4 : column.top + 40 };
  };
}
