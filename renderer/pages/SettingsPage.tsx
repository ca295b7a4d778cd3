import { PageHeader } from '../components/ui.tsx';

export function SettingsPage(_props: { params: Record<string, string> }) {
  return <PageHeader title="Settings" />;
}
