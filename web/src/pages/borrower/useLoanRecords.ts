import { api } from '../../api';
import { useApi } from '../../hooks';
import * as normalize from '../../normalize';
import type { Items, LoanEvent, Payment } from '../../types';

export interface LoanRecords {
  payments: Payment[];
  events: LoanEvent[];
}

/** A loan's payments and events, read together (the history and the statement both need both). */
export function useLoanRecords(loanId: number, tick: number) {
  return useApi<LoanRecords>(
    async (signal) => {
      const [payments, events] = await Promise.all([
        api.get<Items<Payment>>(`/loans/${loanId}/payments`, signal),
        api.get<Items<unknown>>(`/loans/${loanId}/events`, signal),
      ]);
      return { payments: payments.items, events: events.items.map(normalize.event) };
    },
    [loanId, tick],
  );
}
