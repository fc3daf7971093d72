fn main() {
    let m = newsdex::analyze::model::Model::load(Some(std::path::Path::new("data/ner/model.bin")))
        .unwrap();
    println!(
        "w1 {} w2 {:?} scale {}",
        m.weights.len(),
        m.weights2.as_ref().map(|w| w.len()),
        m.weights.scale()
    );
    let mut hist = [0usize; 17];
    for (_, w) in m.weights.rows() {
        let mx = w.iter().map(|x| x.unsigned_abs()).max().unwrap();
        let b = (16 - mx.leading_zeros()) as usize;
        hist[b] += 1;
    }
    println!("max-abs bits histogram {:?}", hist);
}
