//! The `sweep` section as written (a leaf below `raw.rs` and `sweep.rs`): replicates, the grid
//! and zip axes in file order, and the report's heatmaps. `sweep.rs` validates it into a plan.
//!
//! May depend on: serde, serde_json.

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// The `sweep` section as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// Seeds per sweep point.
    #[serde(default = "one")]
    pub replicates: u32,
    /// Cartesian axes.
    #[serde(default, skip_serializing_if = "Axes::is_empty")]
    pub grid: Axes,
    /// Axes varied together, by position.
    #[serde(default, skip_serializing_if = "Axes::is_empty")]
    pub zip: Axes,
    /// Heatmaps for the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heatmaps: Vec<Heatmap>,
}

fn one() -> u32 {
    1
}

impl Default for RawSweep {
    fn default() -> Self {
        RawSweep {
            replicates: 1,
            grid: Axes::default(),
            zip: Axes::default(),
            heatmaps: Vec::new(),
        }
    }
}

/// Paths and their values, in file order.
#[derive(Clone, Debug, Default)]
pub struct Axes(pub Vec<(String, AxisValues)>);

impl Axes {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An axis' values: a list, or an inclusive range.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum AxisValues {
    /// Explicit values (numbers, strings, booleans).
    List(Vec<Value>),
    /// `from`, `from + step`, … up to `to` (inclusive, within rounding).
    Range {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// Increment (> 0).
        step: f64,
    },
}

/// One heatmap of a sweep report.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Heatmap {
    /// Axis on x.
    pub x: String,
    /// Axis on y.
    pub y: String,
    /// The metric coloured.
    pub metric: String,
    /// If set: colour = the smallest value of this axis where `metric` ≥ 0.5.
    #[serde(default)]
    pub minimize: Option<String>,
    /// Chart title.
    #[serde(default)]
    pub title: String,
}

impl<'de> Deserialize<'de> for Axes {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = Axes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from scenario paths to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Axes, A::Error> {
                let mut axes = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, AxisValues>()? {
                    axes.push((k, v));
                }
                Ok(Axes(axes))
            }
        }
        de.deserialize_map(Ordered)
    }
}

impl Serialize for Axes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}
