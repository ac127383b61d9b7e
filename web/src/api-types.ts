// Names for the API's shapes, all taken from the OpenAPI document
// (src/generated/openapi.ts is generated from docs/openapi.json at build
// time): nothing here describes a shape by hand. Money is a two-place
// decimal string; rates are fraction strings with a percent beside them.
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
export type FieldError = Schemas['FieldError'];

export type Role = Schemas['Role'];
export type Me = Schemas['Me'];
export type Tokens = Schemas['TokenPair'];
export type Identity = Schemas['IdentityView'];
export type Enrolment = Schemas['EnrolmentStarted'];

export type Method = Schemas['RepaymentMethod'];
export const METHODS: Method[] = ['equal-installment', 'equal-principal', 'interest-first', 'bullet', 'flat-fee'];
export type Purpose = Schemas['ProductKind'];

export type Installment = Schemas['InstallmentView'];
export type Apr = Schemas['AprView'];
export type CalculatorResult = Schemas['CalculatorResponse'];
export type Product = Schemas['ProductView'];
export type LoanProduct = Schemas['LoanProduct'];
export type Offer = Schemas['OfferView'];
export type Reason = Schemas['ReasonView'];
export type Decision = Schemas['DecisionView'];
export type MatchResponse = Schemas['MatchResponse'];
export type MatchedOffer = Schemas['MatchedOffer'];
export type Questionnaire = Schemas['Questionnaire'];
export type Application = Schemas['ApplicationView'];
export type ApplicationStatus = Schemas['ApplicationStatus'];
export type Verdict = Schemas['Verdict'];
export const APPLICATION_STATUSES: ApplicationStatus[] = ['referred', 'approved', 'declined', 'accepted'];
export type Contract = Schemas['ContractView'];
export type ContractDocument = Schemas['Contract'];
export type Accepted = Schemas['Accepted'];

export type Loan = Schemas['LoanView'];
export type LoanInstallment = Schemas['ServicedInstallment'];
export type PayoffQuote = Schemas['PayoffView'];
export type RepaymentRequest = Schemas['RepaymentRequest'];
export type Allocation = Schemas['AllocationView'];
export type Payment = Schemas['PaymentView'];
export type LoanEvent = Schemas['EventView'];
export type LedgerEntry = Schemas['JournalView'];
export type ReversalRequest = Schemas['ReversalView'];

export type Portfolio = Schemas['Portfolio'];
export type AdvanceReport = Schemas['AdvanceReport'];
export type CobStatus = Schemas['CobStatusView'];
export type CobRun = Schemas['CobRunView'];
export type Webhook = Schemas['WebhookStatus'];
export type NewWebhook = Schemas['NewWebhook'];
export type WebhookCreated = Schemas['WebhookCreated'];
export type BorrowerHit = Schemas['BorrowerView'];
export type AuditEntry = Schemas['AuditEntryView'];
export type AuditPage = Schemas['AuditPage'];
export type PersonalField = Schemas['PersonalField'];
export const PERSONAL_FIELDS: PersonalField[] = ['phone', 'real_name', 'id_number', 'bank_card', 'bank_phone'];
export type AccessPurpose = Schemas['AccessPurpose'];
export const ACCESS_PURPOSES: AccessPurpose[] = ['underwriting', 'customer_request', 'collections', 'fraud_investigation', 'legal_request'];
export type PersonalDataAccess = Schemas['AccessView'];
export type OwnPersonalDataAccess = Schemas['OwnAccessView'];
export type RevealedPersonalData = Schemas['RevealedView'];

export type ModelStatus = Schemas['ModelStatus'];
export type ModelVersion = Schemas['ModelVersionView'];
export type ModelStatusChange = Schemas['StatusChanged'];
export type ModelMetrics = Schemas['ValidationMetrics'];
export type ModelMonitoring = Schemas['Monitoring'];
export type ModelAlert = Schemas['AlertView'];
export type Stability = Schemas['Stability'];

/** Feedback; the staff's view adds the borrower (phone masked). */
export type Feedback = Schemas['FeedbackView'];
/** `question`, `complaint` or `suggestion` (a string in the API). */
export type FeedbackCategory = 'question' | 'complaint' | 'suggestion';
export const FEEDBACK_CATEGORIES: FeedbackCategory[] = ['question', 'complaint', 'suggestion'];
/** `open` or `answered` (a string in the API). */
export type FeedbackStatus = 'open' | 'answered';

/** Personal-information rights: consents and the requests on record. */
export type ConsentKind = Schemas['ConsentKind'];
export type Consent = Schemas['ConsentView'];
export type ConsentOverview = Schemas['ConsentOverview'];
export type DataRightsRequest = Schemas['RequestView'];
export type DataRightsRequestDetail = Schemas['RequestDetail'];
export type DataRightsStatus = Schemas['RequestStatus'];
export const DATA_RIGHTS_STATUSES: DataRightsStatus[] = ['received', 'completed', 'refused'];
export type DataRightsKind = Schemas['RequestKind'];
export type RefusalReason = Schemas['RefusalReason'];
export const REFUSAL_REASONS: RefusalReason[] = ['legal_hold', 'identity_not_confirmed', 'loans_outstanding'];
export type ExportFormat = Schemas['ExportFormat'];
export type DataExport = Schemas['DataExport'];
export type ContractProof = Schemas['ContractProof'];
export type LogStatus = Schemas['LogStatus'];
export type WitnessStatus = Schemas['WitnessStatus'];
export type HeldDisbursement = Schemas['HeldView'];
