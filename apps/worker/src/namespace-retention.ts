import type { Client } from '@temporalio/client';

export interface RetentionSettings {
  namespace: string;
  /** TEMPORAL_NAMESPACE_RETENTION_DAYS: how long the namespace should keep closed workflows. */
  retentionDays: number;
  /** JOB_RETENTION_HOURS: a completed job's status reads its workflow until its files expire. */
  jobRetentionHours: number;
}

/** How long `namespace` keeps closed workflows, in days, as Temporal reports it. */
export async function namespaceRetentionDays(client: Client, namespace: string): Promise<number> {
  const { config } = await client.workflowService.describeNamespace({ namespace });
  return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86_400;
}

/**
 * What is wrong with the namespace's retention, one line each (none when it is as configured). The worker only
 * checks: setting it is the operator's (`npm run stack -- retention`, or the platform's tool for Temporal Cloud),
 * so a worker needs no right to change namespaces.
 */
export async function namespaceRetentionWarnings(client: Client, settings: RetentionSettings): Promise<string[]> {
  const days = await namespaceRetentionDays(client, settings.namespace);
  const warnings: string[] = [];
  if (days !== settings.retentionDays) {
    warnings.push(
      `Temporal namespace ${settings.namespace} keeps closed workflows ${days} days, TEMPORAL_NAMESPACE_RETENTION_DAYS ` +
        `says ${settings.retentionDays}: set it (npm run stack -- retention, or temporal operator namespace update ` +
        `--retention ${settings.retentionDays}d)`,
    );
  }
  if (days * 24 < settings.jobRetentionHours) {
    warnings.push(
      `Temporal namespace ${settings.namespace} keeps closed workflows ${days * 24} hours, less than ` +
        `JOB_RETENTION_HOURS (${settings.jobRetentionHours}): a completed job's status answers 404 before its files expire`,
    );
  }
  return warnings;
}
