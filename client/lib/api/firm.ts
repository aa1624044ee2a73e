import type { FirmSettingsDTO } from '$contracts/firm';
import { api } from './http';

type F = typeof fetch;
export interface FirmSettingsForm {
  name: string;
  supportEmail: string | null;
  supportPhone: string | null;
}

/** The firm's name and client-portal support contact (any staff reads; admins change). */
export const getFirmSettings = (f?: F) => api<{ firm: FirmSettingsDTO }>('GET', '/firm', undefined, f).then((r) => r.firm);
export const updateFirmSettings = (input: FirmSettingsForm) => api<{ firm: FirmSettingsDTO }>('PUT', '/firm', input).then((r) => r.firm);
