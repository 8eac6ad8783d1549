-- The table the Orleans ADO.NET providers read their SQL from at start.
-- Column names are unquoted: the providers ask for QueryKey and QueryText.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);
