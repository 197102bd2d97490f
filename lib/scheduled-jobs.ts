import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../lambdas/repositories/table-design';
import { SCHEDULED_JOBS, type ScheduledJob, type ScheduledJobAccess } from '../lambdas/scheduled/jobs';
import { StackProFunction } from './stackpro-function';

export interface ScheduledJobsProps {
  /** The customer table the jobs work on. */
  readonly table: dynamodb.ITable;
  /**
   * The jobs; tests may pass fewer.
   * @default SCHEDULED_JOBS
   */
  readonly jobs?: readonly ScheduledJob[];
}

/**
 * One Lambda and one EventBridge schedule per job of lambdas/scheduled/jobs.ts (the local stack runs the
 * same table with local/scheduler.ts). Each function gets only what its job declares.
 */
export class ScheduledJobs extends Construct {
  /** Job functions, keyed by job id. */
  readonly functions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: ScheduledJobsProps) {
    super(scope, id);
    const functions: Record<string, StackProFunction> = {};
    for (const job of props.jobs ?? SCHEDULED_JOBS) {
      const fn = new StackProFunction(this, job.id, {
        handler: job.handler,
        description: job.description,
        timeout: Duration.minutes(5),
        environment: { TABLE_NAME: props.table.tableName },
      });
      for (const access of job.access) grantJobAccess(access, fn, props.table);
      new events.Rule(this, `${job.id}Schedule`, {
        description: `Runs ${job.id} every ${job.everyMinutes} minutes`,
        schedule: events.Schedule.rate(Duration.minutes(job.everyMinutes)),
        targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
      });
      functions[job.id] = fn;
    }
    this.functions = functions;
  }
}

function grantJobAccess(access: ScheduledJobAccess, fn: StackProFunction, table: dynamodb.ITable): void {
  switch (access) {
    case 'abandoned-signups:remove': {
      const index = TABLE_DESIGN.pendingVerificationIndex.indexName;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [Stack.of(fn).formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${table.tableName}/index/${index}` })],
        }),
      );
      // Reads profiles, email and subdomain items; deletes them (and tokens) in one conditional transaction.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'], resources: [table.tableArn] }),
      );
      break;
    }
    default: {
      const unknown: never = access;
      throw new Error(`Unknown scheduled job access ${String(unknown)}`);
    }
  }
}
