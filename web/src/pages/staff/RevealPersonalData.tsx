import { Alert, Button, Checkbox, Descriptions, Form, Input, Modal, Select } from 'antd';
import { useState } from 'react';
import { api } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { ACCESS_PURPOSES, PERSONAL_FIELDS } from '../../api-types';
import type { AccessPurpose, PersonalField, RevealedPersonalData } from '../../api-types';

// The server's rule for a case reference (kredit_core::personal_data).
const REFERENCE_RE = /^[A-Za-z0-9][A-Za-z0-9 \-_#/.:]{0,63}$/;

type Values = { purpose: AccessPurpose; reference: string; fields: PersonalField[] };

/** A button that shows one borrower's personal data unmasked, after the
 * viewer states why, for which case and which fields; the server records
 * the view before it answers. The values live only in this dialog. */
export function RevealPersonalData({ borrowerId }: { borrowerId: number }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState<RevealedPersonalData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [form] = Form.useForm<Values>();

  const close = () => {
    setOpen(false);
    setShown(null);
    setError(null);
    form.resetFields();
  };
  const submit = async (values: Values) => {
    setPending(true);
    setError(null);
    try {
      const body = { purpose: values.purpose, reference: values.reference.trim(), fields: values.fields };
      setShown(await api.post('/admin/borrowers/{id}/personal-data', { path: { id: borrowerId }, body }));
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <Button size="small" onClick={() => setOpen(true)} data-testid={`reveal-${borrowerId}`}>
        {t('pda.reveal')}
      </Button>
      <Modal open={open} title={t('pda.revealTitle', { id: borrowerId })} onCancel={close} footer={null} destroyOnHidden>
        <Alert type="warning" showIcon message={t('pda.notice')} style={{ marginBottom: 12 }} />
        <ProblemAlert error={error} />
        {shown ? (
          <>
            <Descriptions size="small" column={1} layout="vertical" bordered data-testid="revealed">
              {shown.access.fields.map((field) => (
                <Descriptions.Item key={field} label={t(`pda.field.${field}`)}>
                  <span style={{ fontFamily: 'monospace' }}>{shown.values[field]}</span>
                </Descriptions.Item>
              ))}
            </Descriptions>
            <p style={{ marginTop: 8, color: '#888' }}>{t('pda.recorded', { id: shown.access.id })}</p>
            <Button onClick={close}>{t('common.back')}</Button>
          </>
        ) : (
          <Form form={form} layout="vertical" requiredMark={false} onFinish={submit} initialValues={{ fields: ['phone'] }}>
            <Form.Item label={t('pda.purpose')} name="purpose" rules={[{ required: true, message: t('common.required') }]}>
              <Select options={ACCESS_PURPOSES.map((purpose) => ({ value: purpose, label: t(`pda.purpose.${purpose}`) }))} />
            </Form.Item>
            <Form.Item
              label={t('pda.reference')}
              name="reference"
              extra={t('pda.referenceRule')}
              rules={[
                { required: true, message: t('common.required') },
                { pattern: REFERENCE_RE, message: t('pda.referenceRule') },
              ]}
            >
              <Input maxLength={64} />
            </Form.Item>
            <Form.Item label={t('pda.fields')} name="fields" rules={[{ required: true, message: t('common.required') }]}>
              <Checkbox.Group options={PERSONAL_FIELDS.map((field) => ({ value: field, label: t(`pda.field.${field}`) }))} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={pending}>
              {t('pda.show')}
            </Button>
          </Form>
        )}
      </Modal>
    </>
  );
}
