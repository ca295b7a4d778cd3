// One card's history (the audit area's page for it; the board's card panel embeds the same CardHistory).
import { ArrowLeft } from 'lucide-react';
import { CardHistory } from '../../components/CardHistory.tsx';
import { ErrorNotice, PageHeader } from '../../components/ui.tsx';
import { useApi } from '../../lib/queries.ts';
import { href } from '../../lib/router.tsx';

export function CardHistoryPage({ params }: { params: Record<string, string> }) {
  const cardId = params.cardId;
  const session = useApi('session.get', {});
  const head = useApi('audit.cardHistory', { cardId, limit: 1 });
  return (
    <div className="flex h-full flex-col">
      <PageHeader
        title={head.data ? `History · ${head.data.card.title}` : 'Card history'}
        description="Every version of the card, newest first, rebuilt from the tamper-evident trail."
      >
        <a className="inline-flex items-center gap-1 text-sm text-indigo-700 hover:underline dark:text-indigo-300" href={href('/audit', { card: cardId })}>
          <ArrowLeft className="size-4" aria-hidden /> In the audit trail
        </a>
        {head.data && (
          <a className="text-sm text-indigo-700 hover:underline dark:text-indigo-300" href={href(`/boards/${head.data.card.boardId}`)}>Open the board</a>
        )}
      </PageHeader>
      <div className="min-h-0 flex-1 overflow-auto p-6">
        <div className="mx-auto max-w-3xl">
          {head.error ? <ErrorNotice error={head.error} title="This card’s history could not be loaded" /> : <CardHistory cardId={cardId} readOnly={session.data?.readOnly ?? true} />}
        </div>
      </div>
    </div>
  );
}
