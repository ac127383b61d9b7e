import { api } from '../../api';
import { useApi } from '../../hooks';
import type { LoanEvent, Payment } from '../../api-types';

export interface LoanRecords {
  payments: Payment[];
  events: LoanEvent[];
}

/** A loan's payments and events, read together (the history and the statement both need both). */
export function useLoanRecords(loanId: number, tick: number) {
  return useApi<LoanRecords>(
    async (signal) => {
      const [payments, events] = await Promise.all([
        api.get('/loans/{id}/payments', { path: { id: loanId }, signal }),
        api.get('/loans/{id}/events', { path: { id: loanId }, signal }),
      ]);
      return { payments: payments.items, events: events.items };
    },
    [loanId, tick],
  );
}
