import { PageHeader } from '../components/ui.tsx';

export function BoardsPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Boards" />;
}
