// SQL shared by both dialects' migrations and by db/reports.ts.

/** Recompute both rollup tables from `activities` (also used by `rebuildRollups`). */
export const rebuildSql = `
  DELETE FROM report_daily;
  DELETE FROM report_user_daily;
  INSERT INTO report_daily (account_id, scope, scope_id, day, event_type, count)
    SELECT account_id, 'account', account_id, created_at / 86400000, subject_type, count(*) FROM activities GROUP BY 1, 3, 4, 5;
  INSERT INTO report_daily (account_id, scope, scope_id, day, event_type, count)
    SELECT account_id, 'board', board_id, created_at / 86400000, subject_type, count(*) FROM activities WHERE board_id IS NOT NULL GROUP BY 1, 3, 4, 5;
  INSERT INTO report_daily (account_id, scope, scope_id, day, event_type, count)
    SELECT account_id, 'project', project_id, created_at / 86400000, subject_type, count(*) FROM activities WHERE project_id IS NOT NULL GROUP BY 1, 3, 4, 5;
  INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count)
    SELECT account_id, 'account', account_id, created_at / 86400000, creator_id, count(*) FROM activities GROUP BY 1, 3, 4, 5;
  INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count)
    SELECT account_id, 'board', board_id, created_at / 86400000, creator_id, count(*) FROM activities WHERE board_id IS NOT NULL GROUP BY 1, 3, 4, 5;
  INSERT INTO report_user_daily (account_id, scope, scope_id, day, user_id, count)
    SELECT account_id, 'project', project_id, created_at / 86400000, creator_id, count(*) FROM activities WHERE project_id IS NOT NULL GROUP BY 1, 3, 4, 5;
`;
