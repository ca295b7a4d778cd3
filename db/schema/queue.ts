// Row types of the queue's process registry and throttles (migration 0005).
export interface ProcessesTable {
  id: string; kind: string; hostname: string; pid: number; started_at: number; heartbeat_at: number;
}
export interface JobThrottlesTable { key: string; next_at: number }
export interface QueueSchema {
  processes: ProcessesTable;
  job_throttles: JobThrottlesTable;
}
