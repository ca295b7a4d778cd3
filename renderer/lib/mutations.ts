import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Input, MethodName, Output } from '../../preload/contract.ts';
import { api, type ContractError } from './client.ts';

/** A contract call as a mutation that refetches the given methods' queries when it succeeds. */
export function useApiMutation<M extends MethodName>(method: M, invalidates: MethodName[] = []) {
  const qc = useQueryClient();
  return useMutation<Output<M>, ContractError, Input<M>>({
    mutationFn: (input) => (api as (m: M, i: Input<M>) => Promise<Output<M>>)(method, input),
    onSuccess: async () => {
      await Promise.all(invalidates.map((m) => qc.invalidateQueries({ queryKey: [m] })));
    },
  });
}
