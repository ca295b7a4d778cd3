import {
  Activity, Archive, ArrowRight, Bell, ChartColumn, CirclePause, ClipboardList, Cog, Eye, KanbanSquare, KeyRound, KeySquare, MailPlus, MailX,
  MessageSquare, MousePointerClick, Pencil, Repeat, RotateCcw, RotateCw, Settings2, ShieldCheck, SquarePlus, Trash2, UserCheck, UserCog, UserPlus, Users,
  UserX, Webhook, Workflow, type LucideIcon,
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
  // Access events (roles, invitations, tokens, endpoint management, demo switches) and the People page.
  'circle-pause': CirclePause,
  eye: Eye,
  'key-round': KeyRound,
  'key-square': KeySquare,
  'mail-plus': MailPlus,
  'mail-x': MailX,
  repeat: Repeat,
  'rotate-cw': RotateCw,
  'settings-2': Settings2,
  'trash-2': Trash2,
  'user-check': UserCheck,
  'user-cog': UserCog,
  'user-x': UserX,
  users: Users,
};

export function Icon({ name, className = 'size-4' }: { name: string; className?: string }) {
  const C = byName[name] ?? Activity;
  return <C className={className} aria-hidden="true" />;
}
