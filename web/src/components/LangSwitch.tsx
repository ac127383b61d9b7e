import { Button } from 'antd';
import { useI18n } from '../i18n';

export function LangSwitch({ light = false }: { light?: boolean }) {
  const { t, lang, setLang } = useI18n();
  return (
    <Button
      type="text"
      size="small"
      aria-label={t('lang.label')}
      data-testid="lang-switch"
      style={light ? { color: '#fff' } : undefined}
      onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
    >
      {t('lang.switch')}
    </Button>
  );
}
