// Shapes of the Kredit API (docs/api.md and the lending API contract).
// Money is a two-place decimal string; rates are fraction strings with a
// `_percent` companion for display.

export type Role = 'borrower' | 'underwriter' | 'risk_officer' | 'admin' | 'auditor';

export interface Me {
  user_id: number;
  phone: string;
  role: Role;
  created_at: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Identity {
  status: 'verified' | 'rejected' | 'pending' | string;
  real_name: string;
  id_number: string;
  bank_card: string;
  bank_phone: string;
  warnings: string[];
  reasons: string[];
  updated_at: string;
}

export type Method = 'equal-installment' | 'equal-principal' | 'interest-first' | 'bullet' | 'flat-fee';
export const METHODS: Method[] = ['equal-installment', 'equal-principal', 'interest-first', 'bullet', 'flat-fee'];

export interface Installment {
  number: number;
  due_date: string;
  principal: string;
  interest: string;
  fee: string;
  payment: string;
  balance_after: string;
}

export interface Apr {
  nominal: string;
  nominal_percent: string;
  effective: string;
  effective_percent: string;
}

export interface CalculatorResult {
  installments: Installment[];
  totals: { principal: string; interest: string; fee: string; payment: string };
  apr: Apr;
}

export type Purpose = 'consumer' | 'education' | 'medical';

export interface Product {
  code: string;
  name: string;
  name_en: string;
  kind: Purpose;
  min_amount: string;
  max_amount: string;
  min_term_months: number;
  max_term_months: number;
  min_annual_rate: string;
  max_annual_rate: string;
  min_annual_rate_percent?: string;
  max_annual_rate_percent?: string;
  methods: Method[];
  grace_days: number;
  active: boolean;
  [key: string]: unknown;
}

export interface Offer {
  product_code: string;
  product_name?: string;
  method: Method;
  annual_rate: string;
  annual_rate_percent: string;
  amount: string;
  term_months: number;
  apr: Apr;
  first_payment?: string;
  total_payment?: string;
  upfront_fee?: string;
  schedule: Installment[];
}

export interface Reason {
  code: string;
  text_zh?: string;
  text_en?: string;
}

export interface MatchResult {
  score: number;
  grade: string;
  offers: Offer[];
  reasons?: Reason[];
}

export type ApplicationStatus = 'approved' | 'declined' | 'referred' | 'accepted' | 'expired';

export interface Decision {
  outcome: 'approved' | 'declined' | 'referred';
  score: number;
  grade: string;
  probability_of_default: string;
  model: string;
  reasons: Reason[];
  approved_amount?: string | null;
  annual_rate?: string | null;
  annual_rate_percent?: string | null;
  offer?: Offer | null;
}

export interface Application {
  id: number;
  status: ApplicationStatus;
  product_code: string;
  amount: string;
  term_months: number;
  method: Method;
  purpose: Purpose;
  created_at: string;
  decision: Decision | null;
  underwriting: { decided_by: number; decision: string; comment: string; at: string } | null;
  contract_id: number | null;
  loan_id: number | null;
  borrower_id?: number;
  identity?: { status: string; real_name?: string; id_number?: string } | null;
  [key: string]: unknown;
}

export interface Disclosure {
  apr: string;
  apr_percent: string;
  annual_rate_percent: string;
  daily_rate_percent: string;
  monthly_rate_percent: string;
  total_interest: string;
  total_fees: string;
  total_payment: string;
}

export interface Contract {
  id: number;
  application_id: number;
  loan_id: number;
  terms_version: string;
  digest: string;
  signed_at: string;
  consent: { at: string; ip: string; terms_version: string };
  disclosure: Disclosure;
  terms: Record<string, unknown>;
  schedule: Installment[];
  document: unknown;
}

export type LoanStatus = 'pending_disbursement' | 'active' | 'paid_off' | 'written_off' | 'disbursement_failed';

export interface LoanSummary {
  id: number;
  borrower_id: number;
  product_code: string;
  status: LoanStatus;
  principal: string;
  outstanding_principal: string;
  amount_due: string;
  next_due_date: string | null;
  next_due_amount: string | null;
  dpd: number;
  bucket: string;
  classification: string;
  annual_rate_percent: string;
  apr_percent?: string;
  credit_balance: string;
  start_date: string;
  maturity_date: string;
}

export interface LoanInstallment {
  number: number;
  due_date: string;
  principal: string;
  interest: string;
  fee: string;
  penalty: string;
  paid: string;
  outstanding: string;
  status: 'pending' | 'due' | 'overdue' | 'paid' | string;
}

export interface Loan extends LoanSummary {
  installments: LoanInstallment[];
  contract_id: number | null;
  /** The business date the loan is shown as of. */
  as_of?: string | null;
}

export interface PayoffQuote {
  date: string;
  principal: string;
  interest: string;
  fee: string;
  penalty: string;
  prepayment_fee: string;
  credit_applied: string;
  total: string;
}

/** How a collection was split (two-place decimal strings); `suspense` when the loan could take none of it. */
export type Allocation = Partial<Record<'penalty' | 'fee' | 'interest' | 'principal' | 'credit' | 'suspense', string>>;

export interface Payment {
  id: number;
  loan_id: number;
  /** `disbursement` or `collection`. */
  direction: string;
  /** `disbursement`, `repayment`, `prepayment`, `payoff`, `auto_debit`. */
  purpose: string;
  amount: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  created_at: string;
  applied: Allocation | null;
}

export interface LoanEvent {
  id: number;
  date: string;
  type: string;
  amount: string;
  allocation: Allocation | null;
  payment_id: number | null;
  reversed: boolean;
}

export interface LedgerEntry {
  id: number;
  date: string;
  kind: string;
  debit: string;
  credit: string;
  amount: string;
}

export interface ReversalRequest {
  id: number;
  status: string;
  loan_id?: number;
  event_id?: number;
  reason?: string;
  requested_by?: number;
  [key: string]: unknown;
}

export interface Portfolio {
  business_date: string;
  loans_active: number;
  outstanding_principal: string;
  disbursed_by_day: { date: string; amount: string; count: number }[];
  applications: { total: number; approved: number; declined: number; referred: number; approval_rate: string };
  buckets: { bucket: string; count: number; outstanding: string }[];
  classification: { class: string; count: number; outstanding: string }[];
  bad_debt_rate: string;
}

export interface BorrowerHit {
  user_id: number;
  phone: string;
  real_name: string | null;
  id_number: string | null;
  identity_status: string | null;
}

export interface AuditEntry {
  id: number;
  actor_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  at: string;
}

export type ModelStatus = 'draft' | 'champion' | 'challenger' | 'retired';

/** Validation metrics at training (the artefact's hold-out sample). */
export interface ModelMetrics {
  auc?: number;
  gini?: number;
  ks?: number;
  brier?: number;
  log_loss?: number;
}

export interface ModelVersion {
  id: number;
  name: string;
  version: number;
  /** `scorecard` or `gbm`. */
  kind: string;
  status: ModelStatus;
  metrics: ModelMetrics | null;
  uploaded_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface ModelStatusChange {
  model: ModelVersion;
  previous_status: ModelStatus;
  retired_previous: number | null;
}

/** Population stability of the score or of one feature. */
export interface Stability {
  name: string;
  psi: number;
  alert: boolean;
  training_shares: number[];
  live_shares: number[];
}

export interface ModelAlert {
  metric: string;
  psi: number;
  threshold: number;
  applications: number;
  first_raised_at: string;
  last_raised_at: string;
}

export interface ModelMonitoring {
  model_version_id: number;
  stability: {
    applications: number;
    threshold: number;
    /** Fewer live applications raise no alert (their PSI is still shown). */
    min_applications: number;
    /** Null without live applications. */
    score: Stability | null;
    features: Stability[];
    alerts: string[];
  };
  alerts: ModelAlert[];
}

export type FeedbackCategory = 'question' | 'complaint' | 'suggestion';
export const FEEDBACK_CATEGORIES: FeedbackCategory[] = ['question', 'complaint', 'suggestion'];
export type FeedbackStatus = 'open' | 'answered';

export interface Feedback {
  id: number;
  category: FeedbackCategory;
  message: string;
  loan_id: number | null;
  status: FeedbackStatus;
  reply: string | null;
  replied_at: string | null;
  created_at: string;
}

/** Feedback as the staff see it: with the borrower (phone masked). */
export interface StaffFeedback extends Feedback {
  borrower_id: number;
  /** Absent if the account is gone. */
  borrower_phone?: string;
}

export interface Items<T> {
  items: T[];
}
