// Hand-written against the documented moderation API (issue 4).
import { request } from './http';

export type ReportTarget = 'user' | 'event' | 'group' | 'message';

export interface ReportInput {
  target_type: ReportTarget;
  target_id: string;
  reason: string;
}

export interface Report extends ReportInput {
  id: string;
  status: string;
  created_at: string;
}

export const moderationApi = {
  report: (input: ReportInput) => request<Report>('moderation/reports/', { method: 'POST', body: input }),
};
