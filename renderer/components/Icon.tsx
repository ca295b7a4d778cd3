import {
  Activity, Archive, ArrowRight, Bell, ChartColumn, ClipboardList, Cog, KanbanSquare, MessageSquare, MousePointerClick,
  Pencil, RotateCcw, ShieldCheck, SquarePlus, UserPlus, Webhook, Workflow, type LucideIcon,
} from 'lucide-react';

/** Icons by the names event modules use (Lucide's names). Unknown names fall back to `activity`. */
const byName: Record<string, LucideIcon> = {
  activity: Activity,
  archive: Archive,
  'arrow-right': ArrowRight,
  bell: Bell,
  'chart-column': ChartColumn,
  'clipboard-list': ClipboardList,
  cog: Cog,
  'kanban-square': KanbanSquare,
  'message-square': MessageSquare,
  'mouse-pointer-click': MousePointerClick,
  pencil: Pencil,
  'rotate-ccw': RotateCcw,
  'shield-check': ShieldCheck,
  'square-plus': SquarePlus,
  'user-plus': UserPlus,
  webhook: Webhook,
  workflow: Workflow,
};

export function Icon({ name, className = 'size-4' }: { name: string; className?: string }) {
  const C = byName[name] ?? Activity;
  return <C className={className} aria-hidden="true" />;
}
