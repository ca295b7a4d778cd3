import { PageHeader } from '../components/ui.tsx';

export function BoardPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Board" />;
}
