// What this workspace allows: a review bundle (or any read-only workspace) offers no write at all and makes no
// write calls. The root waits for `workspace.status` before showing any page, so this is known from the first render.
import { useApi } from './queries.ts';

export function useWorkspace(): { readOnly: boolean; known: boolean } {
  const status = useApi('workspace.status', {});
  const session = useApi('session.get', {});
  return { readOnly: Boolean(status.data?.readOnly || session.data?.readOnly), known: status.isSuccess };
}
