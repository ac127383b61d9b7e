// What a borrower has paid on a loan, by component, in exact fen.
import { fromFen, toFen } from './format';
import type { Allocation, LoanEvent, Payment } from './api-types';

export const PAID_COMPONENTS = ['principal', 'interest', 'fee', 'penalty', 'credit', 'suspense'] as const;
export type PaidComponent = (typeof PAID_COMPONENTS)[number];

export interface PaidTotals {
  /** Two-place decimal strings per component. */
  byComponent: Record<PaidComponent, string>;
  total: string;
  /** Succeeded collections counted. */
  payments: number;
}

/** Whether a payment counts: a collection the bank confirmed whose loan event was not reversed since. */
export function countsAsPaid(payment: Payment, events: LoanEvent[]): boolean {
  if (payment.direction !== 'collection' || payment.status !== 'succeeded' || !payment.applied) return false;
  return !events.some((event) => event.payment_id === payment.id && event.reversed);
}

/** Sums the `applied` split of every payment that counts (see countsAsPaid), never by floating point. */
export function paidTotals(payments: Payment[], events: LoanEvent[]): PaidTotals {
  const fen = Object.fromEntries(PAID_COMPONENTS.map((component) => [component, 0n])) as Record<PaidComponent, bigint>;
  const counted = payments.filter((payment) => countsAsPaid(payment, events));
  for (const payment of counted) {
    const applied: Allocation = payment.applied ?? {};
    for (const component of PAID_COMPONENTS) fen[component] += toFen(applied[component] ?? '0');
  }
  const total = PAID_COMPONENTS.reduce((sum, component) => sum + fen[component], 0n);
  return {
    byComponent: Object.fromEntries(PAID_COMPONENTS.map((component) => [component, fromFen(fen[component])])) as Record<PaidComponent, string>,
    total: fromFen(total),
    payments: counted.length,
  };
}
