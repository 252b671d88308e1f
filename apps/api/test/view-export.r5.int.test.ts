import '@fhir-bulk/test-support/src/r5-tenants';
import './view-export.int.test';
