import logging

import azfunc as func

app = func.FunctionApp()


@app.cosmos_db_trigger(arg_name="azcosmosdb", container_name="items", database_name="db",
                       connection="CosmosConnection")
def cosmosdb_trigger(azcosmosdb: func.DocumentList) -> None:
    logging.info("%d documents changed", len(azcosmosdb))
