import { QueryClient, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Input, MethodName, Output, TopicName, TopicPayload } from '../../preload/contract.ts';
import { api, subscribe, type ContractError } from './client.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (count, err) => count < 2 && (err as ContractError).code === 'unavailable',
      refetchOnWindowFocus: false,
    },
  },
});

/** Query key of a contract call: the method name first, so invalidating a method's prefix refetches it all. */
export const keyOf = <M extends MethodName>(method: M, input?: Input<M>) => (input === undefined ? [method] : [method, input]);

/** useQuery over a contract method. */
export function useApi<M extends MethodName>(
  method: M,
  input: Input<M>,
  options: Omit<UseQueryOptions<Output<M>, ContractError>, 'queryKey' | 'queryFn'> = {},
) {
  return useQuery<Output<M>, ContractError>({
    queryKey: keyOf(method, input),
    queryFn: () => (api as (m: M, i: Input<M>) => Promise<Output<M>>)(method, input),
    ...options,
  });
}

/** Run `listener` on a push topic while the component is mounted. */
export function usePush<T extends TopicName>(topic: T, listener: (payload: TopicPayload<T>) => void) {
  useEffect(() => subscribe(topic, listener), [topic, listener]);
}

/** Invalidate queries of these methods whenever a topic arrives (live lists). */
export function useInvalidateOn(topic: TopicName, methods: MethodName[]) {
  const qc = useQueryClient();
  useEffect(
    () =>
      subscribe(topic, () => {
        for (const m of methods) void qc.invalidateQueries({ queryKey: [m] });
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [topic, qc, methods.join(',')],
  );
}
