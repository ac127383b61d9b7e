import { App as AntApp, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ADMINS, AUDIT_READERS, AuthProvider, COB_READERS, homeFor, STAFF_ROLES, useAuth } from './auth';
import { PageSpinner } from './components/Async';
import { cspNonce } from './csp';
import { ErrorBoundary } from './components/ErrorBoundary';
import { I18nProvider, useI18n } from './i18n';
import { Login } from './pages/Login';
import { Register } from './pages/Register';
import type { Role } from './api-types';

// Everything past the login page is loaded on demand.
const BorrowerLayout = lazy(() => import('./pages/borrower/BorrowerLayout'));
const Home = lazy(() => import('./pages/borrower/Home'));
const Identity = lazy(() => import('./pages/borrower/Identity'));
const Calculator = lazy(() => import('./pages/borrower/Calculator'));
const Apply = lazy(() => import('./pages/borrower/Apply'));
const Applications = lazy(() => import('./pages/borrower/Applications'));
const ApplicationView = lazy(() => import('./pages/borrower/ApplicationView'));
const ContractView = lazy(() => import('./pages/borrower/ContractView'));
const LoanView = lazy(() => import('./pages/borrower/LoanView'));
const Profile = lazy(() => import('./pages/borrower/Profile'));
const Feedback = lazy(() => import('./pages/borrower/Feedback'));
const Privacy = lazy(() => import('./pages/borrower/Privacy'));
const PublicCalculator = lazy(() => import('./pages/borrower/PublicCalculator'));
const StaffLayout = lazy(() => import('./pages/staff/StaffLayout'));
const Underwriting = lazy(() => import('./pages/staff/Underwriting'));
const StaffApplication = lazy(() => import('./pages/staff/StaffApplication'));
const Servicing = lazy(() => import('./pages/staff/Servicing'));
const StaffLoan = lazy(() => import('./pages/staff/StaffLoan'));
const Reversals = lazy(() => import('./pages/staff/Reversals'));
const Products = lazy(() => import('./pages/staff/Products'));
const Models = lazy(() => import('./pages/staff/Models'));
const Portfolio = lazy(() => import('./pages/staff/Portfolio'));
const Audit = lazy(() => import('./pages/staff/Audit'));
const PersonalDataAccess = lazy(() => import('./pages/staff/PersonalDataAccess'));
const DataRights = lazy(() => import('./pages/staff/DataRights'));
const CustomerFeedback = lazy(() => import('./pages/staff/CustomerFeedback'));
const CloseOfBusiness = lazy(() => import('./pages/staff/CloseOfBusiness'));
const Webhooks = lazy(() => import('./pages/staff/Webhooks'));
const HeldDisbursements = lazy(() => import('./pages/staff/HeldDisbursements'));
const TransparencyLog = lazy(() => import('./pages/staff/TransparencyLog'));

function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { me, checking } = useAuth();
  const location = useLocation();
  const { t } = useI18n();
  if (checking) return <PageSpinner />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (!roles.includes(me.role)) return <Result status="403" title="403" subTitle={t('error.forbidden')} />;
  return <>{children}</>;
}

function Root() {
  const { me, checking } = useAuth();
  if (checking) return <PageSpinner />;
  return <Navigate to={me ? homeFor(me.role) : '/login'} replace />;
}

function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title="404" subTitle={t('error.notFoundPage')} />;
}

/** Suspense + error boundary around one page; reset when the path changes. */
export function Page({ children }: { children: ReactNode }) {
  const location = useLocation();
  return (
    <ErrorBoundary key={location.pathname}>
      <Suspense fallback={<PageSpinner />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

/** The same for a layout, which must not remount on every navigation. */
function Shell({ children }: { children: ReactNode }) {
  return (
    <ErrorBoundary>
      <Suspense fallback={<PageSpinner />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

const staffAll = STAFF_ROLES;

// antd sets the policy's nonce on the styles it generates (see ./csp).
const csp = cspNonce ? { nonce: cspNonce } : undefined;

function Themed({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  return (
    <ConfigProvider csp={csp} locale={lang === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#1677ff', borderRadius: 8 } }}>
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Themed>
        <ErrorBoundary>
          <AuthProvider>
            <BrowserRouter>
              <Routes>
                <Route path="/" element={<Root />} />
                <Route path="/login" element={<Login />} />
                <Route path="/register" element={<Register />} />
                <Route path="/calculator" element={<Page><PublicCalculator /></Page>} />
                <Route
                  path="/app"
                  element={
                    <RequireRole roles={['borrower']}>
                      <Shell><BorrowerLayout /></Shell>
                    </RequireRole>
                  }
                >
                  <Route index element={<Page><Home /></Page>} />
                  <Route path="identity" element={<Page><Identity /></Page>} />
                  <Route path="calculator" element={<Page><Calculator /></Page>} />
                  <Route path="apply" element={<Page><Apply /></Page>} />
                  <Route path="applications" element={<Page><Applications /></Page>} />
                  <Route path="applications/:id" element={<Page><ApplicationView /></Page>} />
                  <Route path="contracts/:id" element={<Page><ContractView /></Page>} />
                  <Route path="loans/:id" element={<Page><LoanView /></Page>} />
                  <Route path="profile" element={<Page><Profile /></Page>} />
                  <Route path="feedback" element={<Page><Feedback /></Page>} />
                  <Route path="privacy" element={<Page><Privacy /></Page>} />
                </Route>
                <Route
                  path="/staff"
                  element={
                    <RequireRole roles={staffAll}>
                      <Shell><StaffLayout /></Shell>
                    </RequireRole>
                  }
                >
                  <Route index element={<Root />} />
                  <Route path="underwriting" element={<Page><Underwriting /></Page>} />
                  <Route path="applications/:id" element={<Page><StaffApplication /></Page>} />
                  <Route path="servicing" element={<Page><Servicing /></Page>} />
                  <Route path="loans/:id" element={<Page><StaffLoan /></Page>} />
                  <Route path="reversals" element={<Page><Reversals /></Page>} />
                  <Route path="held-disbursements" element={<Page><HeldDisbursements /></Page>} />
                  <Route path="transparency-log" element={<Page><TransparencyLog /></Page>} />
                  <Route path="products" element={<Page><Products /></Page>} />
                  <Route path="models" element={<Page><Models /></Page>} />
                  <Route path="portfolio" element={<Page><Portfolio /></Page>} />
                  <Route path="audit" element={<Page><Audit /></Page>} />
                  <Route path="personal-data-access" element={<RequireRole roles={AUDIT_READERS}><Page><PersonalDataAccess /></Page></RequireRole>} />
                  <Route path="data-rights" element={<RequireRole roles={AUDIT_READERS}><Page><DataRights /></Page></RequireRole>} />
                  <Route path="feedback" element={<Page><CustomerFeedback /></Page>} />
                  <Route path="close-of-business" element={<RequireRole roles={COB_READERS}><Page><CloseOfBusiness /></Page></RequireRole>} />
                  <Route path="webhooks" element={<RequireRole roles={ADMINS}><Page><Webhooks /></Page></RequireRole>} />
                  <Route path="profile" element={<Page><Profile /></Page>} />
                </Route>
                <Route path="*" element={<NotFound />} />
              </Routes>
            </BrowserRouter>
          </AuthProvider>
        </ErrorBoundary>
      </Themed>
    </I18nProvider>
  );
}
