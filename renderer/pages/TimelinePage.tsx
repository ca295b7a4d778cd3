import { PageHeader } from '../components/ui.tsx';

export function TimelinePage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Timeline" />;
}
