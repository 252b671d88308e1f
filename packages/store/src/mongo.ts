import { MongoClient } from 'mongodb';

/** One client per process: the driver pools connections, so callers share it rather than opening their own. */
export async function connectMongo(url: string): Promise<MongoClient> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: 'fhir-bulk' });
  await client.connect();
  return client;
}
