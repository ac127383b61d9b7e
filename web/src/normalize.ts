// The lending API is being built alongside this UI. These functions accept
// both the published contract's shapes and the close variants the server may
// send (a rate as {rate, percent}, totals nested, the match response as
// decisions per product, a contract's cost inside its document, an event's
// type inside `event`), and give the pages one shape.
import { fractionPercent } from './format';
import type { Apr, Application, Contract, Decision, Disclosure, Installment, LoanEvent, MatchResult, Offer, Portfolio, Product, Reason } from './types';

type Raw = Record<string, unknown>;
const obj = (value: unknown): Raw => (value && typeof value === 'object' ? (value as Raw) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

/** A rate given as "0.1350" (+ a separate percent) or as {rate, percent}. */
export function rate(value: unknown, percent?: unknown): { fraction?: string; percent?: string } {
  if (value && typeof value === 'object') {
    const o = obj(value);
    const fraction = str(o.rate) ?? str(o.fraction);
    return { fraction, percent: str(o.percent) ?? (fraction ? fractionPercent(fraction) : undefined) };
  }
  const fraction = str(value);
  return { fraction, percent: str(percent) ?? (fraction ? fractionPercent(fraction) : undefined) };
}

function apr(value: unknown): Apr {
  const o = obj(value);
  const nominal = str(o.nominal) ?? str(o.apr_nominal) ?? '';
  const effective = str(o.effective) ?? str(o.apr_effective) ?? '';
  return {
    nominal,
    nominal_percent: str(o.nominal_percent) ?? fractionPercent(nominal),
    effective,
    effective_percent: str(o.effective_percent) ?? (effective ? fractionPercent(effective) : ''),
  };
}

export function offer(raw: unknown, context: { product_code?: string; product_name?: string } = {}): Offer {
  const o = obj(raw);
  const r = rate(o.annual_rate, o.annual_rate_percent);
  const totals = obj(o.totals);
  const schedule = (Array.isArray(o.schedule) ? o.schedule : []) as Installment[];
  return {
    product_code: str(o.product_code) ?? context.product_code ?? '',
    product_name: str(o.product_name) ?? context.product_name,
    method: o.method as Offer['method'],
    annual_rate: r.fraction ?? '',
    annual_rate_percent: r.percent ?? '',
    amount: str(o.amount) ?? '',
    term_months: Number(o.term_months),
    apr: apr(o.apr),
    first_payment: str(o.first_payment) ?? schedule[0]?.payment,
    total_payment: str(o.total_payment) ?? str(totals.payment),
    upfront_fee: str(o.upfront_fee),
    schedule,
  };
}

export function decision(raw: unknown, context: { product_code?: string } = {}): Decision | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = obj(raw);
  const r = rate(o.annual_rate, o.annual_rate_percent);
  return {
    outcome: o.outcome as Decision['outcome'],
    score: o.score as number,
    grade: o.grade as string,
    probability_of_default: rate(o.probability_of_default).fraction ?? '',
    model: str(o.model) ?? '',
    reasons: (Array.isArray(o.reasons) ? o.reasons : []) as Reason[],
    approved_amount: str(o.approved_amount) ?? null,
    annual_rate: r.fraction ?? null,
    annual_rate_percent: r.percent ?? null,
    offer: o.offer ? offer(o.offer, context) : null,
  };
}

export function application(raw: unknown): Application {
  const o = obj(raw) as unknown as Application;
  return { ...o, decision: decision(o.decision, { product_code: o.product_code }) };
}

/** The match response: either {score, grade, offers: [Offer]} or {offers: [{product_code, product_name, ...decision}], declined: [...]}. */
export function match(raw: unknown): MatchResult {
  const o = obj(raw);
  const list = (Array.isArray(o.offers) ? o.offers : []) as Raw[];
  const declined = (Array.isArray(o.declined) ? o.declined : []) as Raw[];
  const perProduct = list.some((item) => 'outcome' in item) || declined.length > 0;
  if (!perProduct) {
    return { score: o.score as number, grade: o.grade as string, offers: list.map((item) => offer(item)), reasons: o.reasons as Reason[] | undefined };
  }
  const first = list[0] ?? declined[0] ?? {};
  const offers = list
    .filter((item) => item.offer)
    .map((item) => offer(item.offer, { product_code: str(item.product_code), product_name: str(item.product_name) }));
  const reasons = new Map<string, Reason>();
  if (offers.length === 0) for (const item of declined) for (const reason of (item.reasons ?? []) as Reason[]) reasons.set(reason.code, reason);
  return { score: first.score as number, grade: first.grade as string, offers, reasons: [...reasons.values()] };
}

/** A contract; the disclosure from `disclosure` or from the signed document's `cost`. */
export function contract(raw: unknown): Contract {
  const o = obj(raw);
  const document = obj(o.document);
  const cost = obj(document.cost);
  const given = obj(o.disclosure);
  const aprFraction = str(given.apr) ?? str(cost.apr_nominal) ?? '';
  const annual = rate(cost.annual_interest_rate);
  const disclosure: Disclosure = {
    apr: aprFraction,
    apr_percent: str(given.apr_percent) ?? fractionPercent(aprFraction),
    annual_rate_percent: str(given.annual_rate_percent) ?? annual.percent ?? '',
    daily_rate_percent: str(given.daily_rate_percent) ?? '',
    monthly_rate_percent: str(given.monthly_rate_percent) ?? '',
    total_interest: str(given.total_interest) ?? str(cost.total_interest) ?? '',
    total_fees: str(given.total_fees) ?? str(cost.total_fees) ?? '',
    total_payment: str(given.total_payment) ?? str(cost.total_repayable) ?? '',
  };
  const consents = Array.isArray(document.consents) ? (document.consents as Raw[]) : [];
  return {
    ...(o as unknown as Contract),
    terms_version: str(o.terms_version) ?? str(consents[0]?.terms_version) ?? '',
    disclosure,
    schedule: ((Array.isArray(o.schedule) ? o.schedule : document.schedule) ?? []) as Installment[],
  };
}

export function event(raw: unknown): LoanEvent {
  const o = obj(raw);
  const inner = obj(o.event);
  return {
    ...(o as unknown as LoanEvent),
    type: str(o.type) ?? str(inner.type) ?? '',
    amount: str(o.amount) ?? str(inner.amount) ?? '',
    allocation: (o.allocation && typeof o.allocation === 'object' ? o.allocation : null) as LoanEvent['allocation'],
    payment_id: typeof o.payment_id === 'number' ? o.payment_id : null,
  };
}

export function product(raw: unknown): Product {
  const o = obj(raw);
  const methods = (o.methods ?? o.repayment_methods ?? []) as Product['methods'];
  return { ...(o as unknown as Product), methods, name_en: str(o.name_en) ?? str(o.name) ?? '' };
}

/** The portfolio summary; groups may be {bucket|class, count} or {key, loans}, outcomes a by_status map. */
export function portfolio(raw: unknown): Portfolio {
  const o = obj(raw);
  const group = (items: unknown, name: 'bucket' | 'class') =>
    (Array.isArray(items) ? items : []).map((item) => {
      const g = obj(item);
      return { [name]: str(g[name]) ?? str(g.key) ?? '', count: Number(g.count ?? g.loans ?? 0), outstanding: str(g.outstanding) ?? '0.00' };
    });
  const apps = obj(o.applications);
  const byStatus = obj(apps.by_status);
  const n = (value: unknown) => Number(value ?? 0);
  return {
    business_date: str(o.business_date) ?? '',
    loans_active: n(o.loans_active),
    outstanding_principal: str(o.outstanding_principal) ?? '0.00',
    disbursed_by_day: (Array.isArray(o.disbursed_by_day) ? o.disbursed_by_day : []).map((item) => {
      const d = obj(item);
      return { date: str(d.date) ?? '', amount: str(d.amount) ?? '0.00', count: n(d.count ?? d.loans) };
    }),
    applications: {
      total: n(apps.total),
      approved: apps.approved !== undefined ? n(apps.approved) : n(byStatus.approved) + n(byStatus.accepted),
      declined: apps.declined !== undefined ? n(apps.declined) : n(byStatus.declined),
      referred: apps.referred !== undefined ? n(apps.referred) : n(byStatus.referred),
      approval_rate: rate(apps.approval_rate).fraction ?? '0',
    },
    buckets: group(o.buckets, 'bucket') as Portfolio['buckets'],
    classification: group(o.classification, 'class') as Portfolio['classification'],
    bad_debt_rate: rate(o.bad_debt_rate).fraction ?? '0',
  };
}
