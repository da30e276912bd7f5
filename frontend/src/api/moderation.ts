import type { components } from './schema/moderation';
import { request } from './http';

type S = components['schemas'];
export type ReportTarget = S['ReportTargetTypeEnum'];
export type ReportStatus = S['ReportStatusEnum'];
export type ReportInput = S['ReportCreateInputRequest'];
/** A report as the person who filed it sees it (200 when they had already reported it, 201 when new). */
export type Report = S['ReportMineOutput'];

export const moderationApi = {
  report: (input: ReportInput) => request<Report>('moderation/reports/', { method: 'POST', body: input }),
};
