import { PageHeader } from '../../components/ui.tsx';

// Owned by its area; replaced by the real page.
export function ReportsPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Reports" />;
}
