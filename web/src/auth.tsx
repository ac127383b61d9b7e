// The signed-in user: tokens in localStorage, the profile from GET /me.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, loadTokens, request, saveTokens, setSessionLostHandler } from './api';
import type { Me, Role } from './api-types';

interface Auth {
  me: Me | null;
  /** True while the stored session is being checked at start-up. */
  checking: boolean;
  /** `otp`: the authenticator app's code, for staff who set one up. */
  login: (phone: string, password: string, otp?: string) => Promise<Me>;
  logout: () => Promise<void>;
  /** Reads the profile again (after a change such as a corrected phone number). */
  reload: () => Promise<void>;
}

const Context = createContext<Auth | null>(null);

export const STAFF_ROLES: Role[] = ['underwriter', 'risk_officer', 'admin', 'auditor'];
/** Who may upload, promote and retire models (auditors only read the registry). */
export const MODEL_MANAGERS: Role[] = ['risk_officer', 'admin'];
/** Who may answer customer feedback (auditors only read it). */
export const FEEDBACK_RESPONDERS: Role[] = ['underwriter', 'risk_officer', 'admin'];
/** Who may read close of business (the server's StaffOnly on GET /admin/close-of-business). */
export const COB_READERS: Role[] = STAFF_ROLES;
/** Who may close business through a date and manage webhooks (the server's AdminOnly). */
export const ADMINS: Role[] = ['admin'];
/** Who may see a borrower's personal data unmasked, with a stated purpose. */
export const PERSONAL_DATA_VIEWERS: Role[] = ['underwriter', 'risk_officer', 'admin'];
/** Who reads the audit log and the record of personal-data views. */
export const AUDIT_READERS: Role[] = ['admin', 'auditor'];

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState<boolean>(() => loadTokens() !== null);

  useEffect(() => {
    setSessionLostHandler(() => setMe(null));
    if (!loadTokens()) return;
    api
      .get('/me')
      .then(setMe)
      .catch(() => saveTokens(null))
      .finally(() => setChecking(false));
  }, []);

  const login = useCallback(async (phone: string, password: string, otp?: string) => {
    const tokens = await api.publicPost('/auth/login', { body: { phone, password, otp } });
    saveTokens(tokens);
    const profile = await api.get('/me');
    setMe(profile);
    return profile;
  }, []);

  const logout = useCallback(async () => {
    const tokens = loadTokens();
    saveTokens(null);
    setMe(null);
    if (tokens) {
      await request('POST', '/auth/logout', { body: { refresh_token: tokens.refresh_token }, auth: false }).catch(() => {});
    }
  }, []);

  const reload = useCallback(async () => {
    setMe(await api.get('/me'));
  }, []);

  const value = useMemo(() => ({ me, checking, login, logout, reload }), [me, checking, login, logout, reload]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(Context);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** Whether the signed-in user has one of the roles. */
export function useHasRole(roles: Role[]): boolean {
  const { me } = useAuth();
  return me !== null && roles.includes(me.role);
}

export function homeFor(role: Role): string {
  switch (role) {
    case 'borrower':
      return '/app';
    case 'underwriter':
      return '/staff/underwriting';
    case 'risk_officer':
      return '/staff/portfolio';
    case 'auditor':
      return '/staff/audit';
    default:
      return '/staff/portfolio';
  }
}
