import type { Generated } from 'kysely';

// Row types of the reports, tracking and notifications tables (migration 0004).
export type RollupScope = 'account' | 'board' | 'project';
export interface ReportDailyTable { account_id: string; scope: RollupScope; scope_id: string; day: number; event_type: string; count: number }
export interface ReportUserDailyTable { account_id: string; scope: RollupScope; scope_id: string; day: number; user_id: string; count: number }
export interface TrackingEventsTable {
  id: string; account_id: string; user_id: string; event_type: number; trackable_type: string | null; trackable_id: string | null;
  metadata: Generated<string>; url: string; referrer: string | null; created_at: number;
}
export type NotificationKind = 'comment' | 'invitation' | 'endpoint_disabled' | 'delivery_failures';
export interface NotificationsTable {
  id: string; account_id: string; user_id: string; kind: NotificationKind; title: string; body: Generated<string>; link: string | null;
  actor_id: string | null; subject_type: string | null; subject_id: string | null; source_key: string; created_at: number;
}
export interface NotificationReadsTable { notification_id: string; account_id: string; user_id: string; read_at: number }
export interface ReportSettingsTable { account_id: string; tracking_enabled: Generated<boolean | number>; tracking_retention_days: Generated<number>; updated_at: number }
export interface UserPreferencesTable { account_id: string; user_id: string; os_notifications: Generated<boolean | number>; updated_at: number }
export interface ActivityLastSeenTable { account_id: string; user_id: string; seen_at: number }

export interface ReportsSchema {
  report_daily: ReportDailyTable;
  report_user_daily: ReportUserDailyTable;
  tracking_events: TrackingEventsTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  report_settings: ReportSettingsTable;
  user_preferences: UserPreferencesTable;
  activity_last_seen: ActivityLastSeenTable;
}
