/**
 * Who is acting: kept in main per window (IPC) or per host connection, never taken from the renderer's input.
 * Every query is scoped by `accountId`.
 */
export interface Session {
  accountId: string;
  userId: string;
}
