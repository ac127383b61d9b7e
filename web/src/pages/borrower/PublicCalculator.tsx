import { Link } from 'react-router';
import { LangSwitch } from '../../components/LangSwitch';
import { useI18n } from '../../i18n';
import Calculator from './Calculator';
import './borrower.css';

/** The calculator for visitors who have not signed in. */
export default function PublicCalculator() {
  const { t } = useI18n();
  return (
    <div className="b-shell" style={{ paddingBottom: 16 }}>
      <header className="b-top">
        <strong>{t('app.name')}</strong>
        <span>
          <LangSwitch light />
          <Link to="/login" style={{ color: '#fff', marginInlineStart: 8 }}>
            {t('auth.login')}
          </Link>
        </span>
      </header>
      <main className="b-main">
        <Calculator />
      </main>
    </div>
  );
}
