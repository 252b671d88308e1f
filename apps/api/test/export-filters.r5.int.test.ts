import '@fhir-bulk/test-support/src/r5-tenants';
import './export-filters.int.test';
