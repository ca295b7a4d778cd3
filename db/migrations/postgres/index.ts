// PostgreSQL migrations, in order: the same versions and names as ../sqlite/, with PostgreSQL's DDL.
import type { Migration } from '../types.ts';
import { migration0001 } from './0001_foundation.ts';
import { migration0002 } from './0002_webhooks.ts';
import { migration0003 } from './0003_audit.ts';
import { migration0004 } from './0004_reports.ts';
import { migration0005 } from './0005_processes.ts';
import { migration0006 } from './0006_people.ts';
import { migration0007 } from './0007_keys_and_checks.ts';
import { migration0008 } from './0008_job_lanes.ts';

export const postgresMigrations: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008];
