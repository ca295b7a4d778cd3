// Every job kind the runner knows, by name. Each area lists its kinds in its own module.
import type { JobKind } from './types.ts';
import { notificationJobKinds } from '../notifications/jobs.ts';
import { webhooksJobKinds } from '../webhooks/deliver.ts';

export const jobKinds: Record<string, JobKind> = {
  ...notificationJobKinds,
  ...webhooksJobKinds,
};
