import { Button } from 'antd';
import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../../auth';
import { LangSwitch } from '../../components/LangSwitch';
import { useI18n } from '../../i18n';
import './borrower.css';

/** Mobile-first frame: a top bar and a tab bar at the bottom. */
export default function BorrowerLayout() {
  const { t } = useI18n();
  const { logout } = useAuth();
  const tabs = [
    { to: '/app', label: t('nav.home'), end: true, icon: '⌂' },
    { to: '/app/apply', label: t('nav.apply'), icon: '¥' },
    { to: '/app/calculator', label: t('nav.calculator'), icon: '∑' },
    { to: '/app/feedback', label: t('nav.feedback'), icon: '✉' },
    { to: '/app/privacy', label: t('nav.privacy'), icon: '⚖' },
    { to: '/app/profile', label: t('nav.me'), icon: '☺' },
  ];
  return (
    <div className="b-shell">
      <header className="b-top">
        <strong>{t('app.name')}</strong>
        <span>
          <LangSwitch light />
          <Button type="text" size="small" style={{ color: '#fff' }} onClick={() => void logout()}>
            {t('common.logout')}
          </Button>
        </span>
      </header>
      <main className="b-main">
        <Outlet />
      </main>
      <nav className="b-tabs" aria-label={t('nav.menu')}>
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }) => (isActive ? 'active' : '')}>
            <span aria-hidden="true" className="b-icon">
              {tab.icon}
            </span>
            {tab.label}
          </NavLink>
        ))}
      </nav>
    </div>
  );
}
