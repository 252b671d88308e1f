import '@fhir-bulk/test-support/src/r5-tenants';
import './view-definition-run.int.test';
