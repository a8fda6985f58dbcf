import logging

import azfunc as func

app = func.FunctionApp()


@app.event_grid_trigger(arg_name="azeventgrid")
def eventgrid_trigger(azeventgrid: func.EventGridEvent) -> None:
    logging.info("event %s", azeventgrid.id)
