// Server-side validation shown where it belongs: on the form's fields.
import type { FormInstance } from 'antd';
import { ApiError } from './api';

/**
 * Puts the field errors of a 422 problem (`errors: [{field, message}]`) on
 * the form fields they name. `fields` maps the server's field name to the
 * form's; errors of fields the form does not have stay in the ProblemAlert.
 */
type FieldData<Values> = Parameters<FormInstance<Values>['setFields']>[0];

export function showFieldErrors<Values>(form: FormInstance<Values>, error: unknown, fields: Record<string, keyof Values & string>): void {
  if (!(error instanceof ApiError)) return;
  const messages = new Map<keyof Values & string, string[]>();
  for (const item of error.errors) {
    const name = fields[item.field.split(/[.[]/)[0]];
    if (name) messages.set(name, [...(messages.get(name) ?? []), item.message]);
  }
  if (messages.size) form.setFields([...messages].map(([name, errors]) => ({ name, errors })) as FieldData<Values>);
}
