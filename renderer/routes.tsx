// Every page of the console, with its sidebar entry. Areas own their page modules; this table wires them.
import type { ComponentType } from 'react';
import { AuditPage } from './pages/audit/AuditPage.tsx';
import { CardHistoryPage } from './pages/audit/CardHistoryPage.tsx';
import { BoardPage } from './pages/BoardPage.tsx';
import { BoardsPage } from './pages/BoardsPage.tsx';
import { DeliveryPage } from './pages/webhooks/DeliveryPage.tsx';
import { EndpointPage } from './pages/webhooks/EndpointPage.tsx';
import { JobPage } from './pages/webhooks/JobPage.tsx';
import { JobsPage } from './pages/webhooks/JobsPage.tsx';
import { PeoplePage } from './pages/PeoplePage.tsx';
import { ReportsPage } from './pages/reports/ReportsPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { TimelinePage } from './pages/TimelinePage.tsx';
import { TrackingPage } from './pages/reports/TrackingPage.tsx';
import { WebhooksPage } from './pages/webhooks/WebhooksPage.tsx';

export interface RouteDef {
  pattern: string;
  page: ComponentType<{ params: Record<string, string> }>;
  /** The tab's title while the page loads (pages name themselves through PageHeader). */
  title?: string;
  /** Sidebar entry (routes without one are reached from other pages). */
  nav?: { label: string; icon: string };
}

export const routes: RouteDef[] = [
  { pattern: '/', page: TimelinePage, nav: { label: 'Timeline', icon: 'activity' } },
  { pattern: '/boards', page: BoardsPage, nav: { label: 'Boards', icon: 'kanban-square' } },
  { pattern: '/boards/:boardId', page: BoardPage, title: 'Board' },
  { pattern: '/audit', page: AuditPage, nav: { label: 'Audit', icon: 'shield-check' } },
  { pattern: '/audit/cards/:cardId', page: CardHistoryPage, title: 'Card history' },
  { pattern: '/webhooks', page: WebhooksPage, nav: { label: 'Webhooks', icon: 'webhook' } },
  { pattern: '/webhooks/endpoints/:id', page: EndpointPage, title: 'Endpoint' },
  { pattern: '/webhooks/deliveries/:id', page: DeliveryPage, title: 'Delivery' },
  { pattern: '/jobs', page: JobsPage, nav: { label: 'Jobs', icon: 'workflow' } },
  { pattern: '/jobs/:id', page: JobPage, title: 'Job' },
  { pattern: '/reports', page: ReportsPage, nav: { label: 'Reports', icon: 'chart-column' } },
  { pattern: '/tracking', page: TrackingPage, nav: { label: 'Tracking', icon: 'mouse-pointer-click' } },
  { pattern: '/people', page: PeoplePage, nav: { label: 'People', icon: 'users' } },
  { pattern: '/settings', page: SettingsPage, nav: { label: 'Settings', icon: 'cog' } },
];
