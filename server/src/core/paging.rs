//! Paging of lists: a validated page request turned into LIMIT and OFFSET, and the page answered.

use civicast_shared::api::{Page, PageQuery};

use crate::error::AppError;

/// A validated page request turned into LIMIT and OFFSET.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    page: u32,
    per_page: u32,
}

impl Paging {
    pub fn from_query(query: PageQuery) -> Result<Paging, AppError> {
        let (page, per_page) = query.resolve().map_err(AppError::BadRequest)?;
        Ok(Paging { page, per_page })
    }

    /// For list routes whose query adds filters to `page` and `per_page`.
    pub fn from_parts(page: Option<u32>, per_page: Option<u32>) -> Result<Paging, AppError> {
        Paging::from_query(PageQuery { page, per_page })
    }

    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn page<T, R: Into<T>>(self, rows: Vec<R>, total: i64) -> Page<T> {
        Page {
            items: rows.into_iter().map(Into::into).collect(),
            page: self.page,
            per_page: self.per_page,
            total: u64::try_from(total).unwrap_or_default(),
        }
    }

    /// Page `page` of `per_page` rows, for the portal's pages, which choose their own sizes.
    pub fn of(page: u32, per_page: u32) -> Paging {
        Paging {
            page: page.max(1),
            per_page,
        }
    }
}

/// One page of a filtered list and how many rows match it, as `(rows, total)`. `$filtered` makes
/// the filtered, boxed query; it is called twice, to count and to load the page in `$order`.
/// (A macro, since diesel's boxed queries of different tables share no type to be generic over.)
#[macro_export]
macro_rules! load_page {
    ($conn:expr, $paging:expr, $filtered:expr, $order:expr, $row:ty) => {{
        let total = $filtered().count().get_result::<i64>($conn)?;
        let rows = $filtered()
            .order($order)
            .limit($paging.limit())
            .offset($paging.offset())
            .select(<$row>::as_select())
            .load::<$row>($conn)?;
        (rows, total)
    }};
}
