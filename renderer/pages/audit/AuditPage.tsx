import { PageHeader } from '../../components/ui.tsx';

// Owned by its area; replaced by the real page.
export function AuditPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Audit" />;
}
