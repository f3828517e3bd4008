//! `Table`: a run's or a sweep's table as Arrow record batches, handed to Python through
//! the Arrow PyCapsule interface (`__arrow_c_stream__`, `__arrow_c_schema__`), so that
//! `pyarrow.table(t)`, `polars.DataFrame(t)` and `pandas` (through pyarrow) take it without
//! a copy of the columns.

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, RecordBatchIterator};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Field, FieldRef, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use serde::Serialize;
use serde_arrow::schema::{SchemaLike, TracingOptions};

/// One table of results as Arrow data. Pass it to `pyarrow.table`, `polars.DataFrame` or
/// any reader of the Arrow PyCapsule interface; `to_pyarrow()`, `to_pandas()` and
/// `to_polars()` do that for you.
#[pyclass(module = "cirrus._cirrus", frozen)]
pub struct Table {
    name: String,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Table {
    /// A table of `rows`, its columns typed from `sample` (a record with every optional field
    /// present, so that a column that is empty in this run keeps its type): the same column
    /// names, in the same order, as the CSV file `cirrus run` writes.
    pub fn of_records<T: Serialize>(name: &str, rows: &[T], sample: &T) -> Result<Self, String> {
        let options = TracingOptions::default().enums_without_data_as_strings(true);
        let fields = Vec::<FieldRef>::from_samples(std::slice::from_ref(sample), options)
            .map_err(|e| format!("{name}: the column types: {e}"))?;
        // Text columns (names, and enums such as `reason`) as plain UTF-8 strings, the type
        // every reader maps to its string type.
        let fields: Vec<FieldRef> = fields
            .iter()
            .map(|f| match f.data_type() {
                DataType::LargeUtf8 | DataType::Dictionary(..) => {
                    Arc::new(Field::new(f.name(), DataType::Utf8, f.is_nullable()))
                }
                _ => Arc::clone(f),
            })
            .collect();
        let batch = serde_arrow::to_record_batch(&fields, &rows).map_err(|e| format!("{name}: {e}"))?;
        Ok(Self::of_batches(name, batch.schema(), vec![batch]))
    }

    /// A table of record batches sharing `schema`.
    pub fn of_batches(name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        Self {
            name: name.to_string(),
            schema,
            batches,
        }
    }

    /// The table with a last nullable float64 column `name` (one value per row).
    pub fn with_column(self, name: &str, values: Vec<Option<f64>>) -> Result<Self, String> {
        let mut fields: Vec<FieldRef> = self.schema.fields().iter().cloned().collect();
        fields.push(Arc::new(Field::new(name, DataType::Float64, true)));
        let schema = Arc::new(arrow_schema::Schema::new(fields));
        let column: ArrayRef = Arc::new(Float64Array::from(values));
        let mut columns: Vec<ArrayRef> = match self.batches.as_slice() {
            [batch] => batch.columns().to_vec(),
            _ => return Err(format!("{}: one record batch is expected", self.name)),
        };
        columns.push(column);
        let batch =
            RecordBatch::try_new(Arc::clone(&schema), columns).map_err(|e| format!("{}: {e}", self.name))?;
        Ok(Self::of_batches(&self.name, schema, vec![batch]))
    }

    fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

fn arrow_error(e: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(e.to_string())
}

#[pymethods]
impl Table {
    /// The Arrow C stream of this table's record batches, in a capsule named
    /// `arrow_array_stream` (the Arrow PyCapsule interface). A `requested_schema` is
    /// ignored, as the interface allows: the columns are given as they are.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self.batches.clone().into_iter().map(Ok);
        let reader = RecordBatchIterator::new(batches, Arc::clone(&self.schema));
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The Arrow C schema of this table, in a capsule named `arrow_schema`.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref()).map_err(arrow_error)?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The table's name (`intervals`, `hosts`, `vms`, `migrations`, `runs`, `aggregate`).
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.rows()
    }

    /// The column names, in order (those of the CSV file).
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema.fields().iter().map(|f| f.name().clone()).collect()
    }

    fn __len__(&self) -> usize {
        self.rows()
    }

    fn __repr__(&self) -> String {
        let columns = self.schema.fields().len();
        format!(
            "<cirrus.Table {}: {} rows × {columns} columns>",
            self.name,
            self.rows()
        )
    }

    /// The table as a `pyarrow.Table` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.call_method1("table", (slf,))
    }

    /// The table as a `pandas.DataFrame` (needs pyarrow and pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_pyarrow(slf)?.call_method0("to_pandas")
    }

    /// The table as a `polars.DataFrame` (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("polars")?.call_method1("DataFrame", (slf,))
    }
}
