import '@fhir-bulk/test-support/src/r5-tenants';
import './export-levels.int.test';
