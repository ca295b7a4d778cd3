import { toIso } from '../../db/ids.ts';
import type { EventType } from './types.ts';

export const projectArchived: EventType<'project_archived'> = {
  table: 'project_archived',
  webhookType: 'project.archived',
  icon: 'archive',
  label: 'Project archived',
  refs: { creator_id: 'users', project_id: 'projects' },
  describe: (row, n) => `${n.user(row.creator_id)} archived ${n.project(row.project_id)}: ${row.reason}`,
  publicJson: (row) => ({
    id: row.id,
    project_id: row.project_id,
    reason: row.reason,
    creator_id: row.creator_id,
    created_at: toIso(row.created_at),
  }),
  sample: {
    id: '019a0000-0000-7000-8000-000000000051',
    project_id: '019a0000-0000-7000-8000-000000000052',
    reason: 'Shipped; moving to maintenance.',
    creator_id: '019a0000-0000-7000-8000-000000000005',
    created_at: '2026-01-01T09:25:00.000Z',
  },
};
